package io.mcpguard.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcException;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** {@code Mcp-Param-*} headers held to the body of a 2026-07-28 tools/call, by the tool's own declaration. */
class ParamHeaderCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonRpcDecoder DECODER = new JsonRpcDecoder(64, 1 << 20, 32);
    private static final DeclaredTools DECLARED = new DeclaredTools(10);

    static {
        try {
            DECLARED.learn(JSON.readTree("""
                    [{"name":"deploy","inputSchema":{"type":"object","properties":{
                       "region":{"type":"string","x-mcp-header":"Region"},
                       "count":{"type":"integer","x-mcp-header":"Count"},
                       "note":{"type":"string"}}}},
                     {"name":"plain","inputSchema":{"type":"object","properties":{"a":{"type":"string"}}}}]"""));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonRpcMessage call(String tool, String arguments) throws JsonRpcException {
        return DECODER.decode(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                                + "\",\"arguments\":" + arguments + "}}")
                        .getBytes(StandardCharsets.UTF_8))
                .messages()
                .get(0);
    }

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    private static void assertMismatch(HttpHeaders headers, JsonRpcMessage message, String why) {
        assertThatThrownBy(() -> ParamHeaderCheck.check(headers, message, DECLARED))
                .isInstanceOfSatisfying(JsonRpcException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.HEADER_MISMATCH);
                    assertThat(e.getMessage()).contains(why);
                });
    }

    @Test
    void headers_equal_to_the_body_pass_in_plain_or_base64_and_any_case() throws Exception {
        String base64 =
                "=?base64?" + Base64.getEncoder().encodeToString("eu-wést".getBytes(StandardCharsets.UTF_8)) + "?=";

        assertThatCode(() -> ParamHeaderCheck.check(
                        headers("Mcp-Param-Region", "eu-west", "mcp-param-count", "3"),
                        call("deploy", "{\"region\":\"eu-west\",\"count\":3,\"note\":\"x\"}"),
                        DECLARED))
                .doesNotThrowAnyException();
        assertThatCode(() -> ParamHeaderCheck.check(
                        headers("MCP-PARAM-REGION", base64), call("deploy", "{\"region\":\"eu-wést\"}"), DECLARED))
                .doesNotThrowAnyException();
        assertThatCode(() -> ParamHeaderCheck.check(headers(), call("deploy", "{\"note\":\"x\"}"), DECLARED))
                .as("no mirrored parameter in the body, no header needed")
                .doesNotThrowAnyException();
        assertThatCode(() -> ParamHeaderCheck.check(headers(), call("unlisted", "{}"), DECLARED))
                .as("a tool never listed, and no header to check")
                .doesNotThrowAnyException();
    }

    @Test
    void every_disagreement_between_headers_and_body_is_refused() throws Exception {
        JsonRpcMessage deploy = call("deploy", "{\"region\":\"eu-west\",\"count\":3}");

        assertMismatch(headers("Mcp-Param-Region", "us-east", "Mcp-Param-Count", "3"), deploy, "does not match");
        assertMismatch(headers("Mcp-Param-Count", "3"), deploy, "which is absent");
        assertMismatch(
                headers("Mcp-Param-Region", "eu-west", "Mcp-Param-Count", "3", "Mcp-Param-Other", "x"),
                deploy,
                "names no parameter the tool declares");
        assertMismatch(
                headers("Mcp-Param-Region", "eu-west", "Mcp-Param-Region", "us-east", "Mcp-Param-Count", "3"),
                deploy,
                "may be sent once");
        assertMismatch(headers("Mcp-Param-Region", "eu-west"), call("deploy", "{\"count\":null}"), "the body does not");
        assertMismatch(headers("Mcp-Param-Region", "{}"), call("deploy", "{\"region\":{}}"), "does not match");
        assertMismatch(headers("Mcp-Param-A", "x"), call("plain", "{\"a\":\"x\"}"), "names no parameter");
        assertMismatch(headers("Mcp-Param-A", "x"), call("unlisted", "{\"a\":\"x\"}"), "list the tools");
    }

    @Test
    void only_tools_call_carries_them_and_legacy_requests_lose_them() throws Exception {
        JsonRpcMessage list = DECODER.decode(
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}".getBytes(StandardCharsets.UTF_8))
                .messages()
                .get(0);

        assertMismatch(headers("Mcp-Param-Region", "x"), list, "belong to tools/call");
        assertThatCode(() -> ParamHeaderCheck.check(headers("Mcp-Method", "tools/list"), list, DECLARED))
                .doesNotThrowAnyException();
        assertThat(ParamHeaderCheck.names(headers("Mcp-Param-A", "1", "MCP-PARAM-B", "2", "Mcp-Name", "x")))
                .containsExactlyInAnyOrder("mcp-param-a", "mcp-param-b");
    }
}
