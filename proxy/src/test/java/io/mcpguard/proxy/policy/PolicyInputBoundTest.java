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

    /** {@code params} of a call: 2 for the braces, each key's length + 4, a string's length + 2, a number's digits. */
    @Test
    void each_bound_holds_exactly_at_its_value_and_fails_one_above() throws Exception {
        // {"name":"t","arguments":{"s":"xxxx"}}: 2 + (4+4) + (9+4) + (1+2) + 2 + (1+4) + (4+2) = 39
        JsonRpcMessage strings = call("{\"s\":\"xxxx\"}");
        assertThat(new PolicyInputBound(new ProxyConfig.ArgumentBound(39, 10, 10)).exceededBy(strings))
                .isNull();
        assertThat(new PolicyInputBound(new ProxyConfig.ArgumentBound(38, 10, 10)).exceededBy(strings))
                .isEqualTo("parameters are larger than 38 bytes");

        // an array: 2 + 1 per element; 12 is 2, true is 4: 2 + 8 + 13 + 3 + 2 + 5 + 2 + 2 + 2 + 4 = 43
        JsonRpcMessage mixed = call("{\"l\":[12,true]}");
        assertThat(new PolicyInputBound(new ProxyConfig.ArgumentBound(43, 10, 10)).exceededBy(mixed))
                .isNull();
        assertThat(new PolicyInputBound(new ProxyConfig.ArgumentBound(42, 10, 10)).exceededBy(mixed))
                .isEqualTo("parameters are larger than 42 bytes");

        // params is depth 1, arguments 2, their members 3
        assertThat(new PolicyInputBound(new ProxyConfig.ArgumentBound(1000, 3, 10)).exceededBy(call("{\"a\":{}}")))
                .isNull();
        assertThat(new PolicyInputBound(new ProxyConfig.ArgumentBound(1000, 3, 10)).exceededBy(call("{\"a\":[1]}")))
                .isEqualTo("parameters nest deeper than 3 levels");

        // name and arguments are two values, each member of arguments one more
        assertThat(new PolicyInputBound(new ProxyConfig.ArgumentBound(1000, 10, 4))
                        .exceededBy(call("{\"a\":1,\"b\":2}")))
                .isNull();
        assertThat(new PolicyInputBound(new ProxyConfig.ArgumentBound(1000, 10, 4))
                        .exceededBy(call("{\"a\":1,\"b\":[]}")))
                .isNull();
        assertThat(new PolicyInputBound(new ProxyConfig.ArgumentBound(1000, 10, 4))
                        .exceededBy(call("{\"a\":1,\"b\":[2]}")))
                .isEqualTo("parameters hold more than 4 values");
    }
}
