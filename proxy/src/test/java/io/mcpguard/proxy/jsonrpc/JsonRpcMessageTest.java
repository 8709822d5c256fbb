package io.mcpguard.proxy.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** What the gates read from a message: its tool, its arguments, a text parameter — and null for anything else. */
class JsonRpcMessageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonRpcMessage request(String method, String params) throws Exception {
        ObjectNode node = (ObjectNode) JSON.readTree("{}");
        ObjectNode paramsNode = params == null ? null : (ObjectNode) JSON.readTree(params);
        return new JsonRpcMessage(JsonRpcMessage.Kind.REQUEST, IntNode.valueOf(1), method, paramsNode, node);
    }

    @Test
    void a_tools_call_names_its_tool_and_arguments() throws Exception {
        JsonRpcMessage call = request("tools/call", "{\"name\":\"t\",\"arguments\":{\"a\":1}}");

        assertThat(call.toolName()).isEqualTo("t");
        assertThat(call.toolArguments().get("a").asInt()).isEqualTo(1);
    }

    @Test
    void another_method_or_a_call_without_params_names_no_tool() throws Exception {
        assertThat(request("resources/read", "{\"name\":\"t\",\"arguments\":{}}")
                        .toolName())
                .isNull();
        assertThat(request("resources/read", "{\"name\":\"t\",\"arguments\":{}}")
                        .toolArguments())
                .isNull();
        assertThat(request("tools/call", null).toolName()).isNull();
        assertThat(request("tools/call", null).toolArguments()).isNull();
        assertThat(request(null, "{\"name\":\"t\"}").toolName()).isNull();
    }

    @Test
    void a_tool_name_or_arguments_of_the_wrong_type_are_not_read() throws Exception {
        JsonRpcMessage call = request("tools/call", "{\"name\":7,\"arguments\":[1]}");

        assertThat(call.toolName()).isNull();
        assertThat(call.toolArguments()).isNull();
        assertThat(request("tools/call", "{}").toolName()).isNull();
        assertThat(request("tools/call", "{}").toolArguments()).isNull();
    }

    @Test
    void a_text_parameter_is_read_only_for_its_method_and_only_as_text() throws Exception {
        JsonRpcMessage read = request("resources/read", "{\"uri\":\"file:///a\",\"n\":3}");

        assertThat(read.paramText("resources/read", "uri")).isEqualTo("file:///a");
        assertThat(read.paramText("prompts/get", "uri")).isNull();
        assertThat(read.paramText("resources/read", "n")).isNull();
        assertThat(read.paramText("resources/read", "missing")).isNull();
        assertThat(request("resources/read", null).paramText("resources/read", "uri"))
                .isNull();
    }

    @Test
    void only_a_request_expects_a_response_and_kinds_have_lower_case_wire_names() throws Exception {
        assertThat(request("ping", null).expectsResponse()).isTrue();
        assertThat(new JsonRpcMessage(JsonRpcMessage.Kind.NOTIFICATION, null, "n", null, JSON.createObjectNode())
                        .expectsResponse())
                .isFalse();
        assertThat(new JsonRpcMessage(JsonRpcMessage.Kind.RESPONSE, IntNode.valueOf(1), null, null, null)
                        .expectsResponse())
                .isFalse();
        assertThat(JsonRpcMessage.Kind.NOTIFICATION.wireName()).isEqualTo("notification");
        assertThat(JsonRpcMessage.Kind.RESPONSE.wireName()).isEqualTo("response");
    }
}
