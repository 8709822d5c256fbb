package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PolicyInputBoundTest {
    private final PolicyInputBound bound = new PolicyInputBound(new ProxyConfig.ArgumentBound(200, 4, 10));

    private static JsonRpcMessage call(String arguments) throws Exception {
        String body =
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"t\",\"arguments\":"
                        + arguments + "}}";
        return new JsonRpcDecoder(64, 1 << 20, 32)
                .decode(body.getBytes(StandardCharsets.UTF_8))
                .messages()
                .get(0);
    }

    @Test
    void parameters_within_every_bound_pass() throws Exception {
        assertThat(bound.exceededBy(call("{\"workspace\":\"acme\",\"repo\":\"payments\"}")))
                .isNull();
        assertThat(bound.exceededBy(call("{}"))).isNull();
    }

    @Test
    void each_bound_is_named_when_passed() throws Exception {
        assertThat(bound.exceededBy(call("{\"text\":\"" + "x".repeat(300) + "\"}")))
                .isEqualTo("parameters are larger than 200 bytes");
        assertThat(bound.exceededBy(call("{\"a\":{\"b\":{\"c\":{\"d\":1}}}}")))
                .isEqualTo("parameters nest deeper than 4 levels");
        assertThat(bound.exceededBy(call("{\"list\":[1,2,3,4,5,6,7,8,9,10,11]}")))
                .isEqualTo("parameters hold more than 10 values");
    }

    @Test
    void a_message_without_parameters_is_within() throws Exception {
        JsonRpcMessage ping = new JsonRpcDecoder(64, 1 << 20, 32)
                .decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8))
                .messages()
                .get(0);
        assertThat(bound.exceededBy(ping)).isNull();
    }
}
