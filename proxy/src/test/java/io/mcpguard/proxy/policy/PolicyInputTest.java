package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The request part of the policy input for the messages that are not tool calls. */
class PolicyInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject ALICE =
            new Subject("alice", true, "jwt", List.of("viewer"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final TransportFacts FACTS =
            new TransportFacts("127.0.0.1", false, "POST", "/mcp", "s-1", "2025-06-18", 1);

    private static ObjectNode request(JsonRpcMessage message) {
        return (ObjectNode)
                new PolicyInput(ALICE, message, FACTS, null, null).toJson().get("request");
    }

    @Test
    void a_notification_has_no_id_and_a_response_no_method_in_the_input() {
        ObjectNode notification = request(
                new JsonRpcMessage(JsonRpcMessage.Kind.NOTIFICATION, null, "notifications/initialized", null, null));
        ObjectNode response =
                request(new JsonRpcMessage(JsonRpcMessage.Kind.RESPONSE, IntNode.valueOf(4), null, null, null));

        assertThat(notification.get("kind").asText()).isEqualTo("notification");
        assertThat(notification.get("method").asText()).isEqualTo("notifications/initialized");
        assertThat(notification.has("id")).isFalse();
        assertThat(response.get("kind").asText()).isEqualTo("response");
        assertThat(response.has("method")).isFalse();
        assertThat(response.get("id").asInt()).isEqualTo(4);
    }

    @Test
    void a_prompt_request_names_its_prompt_and_carries_no_argument_findings() throws Exception {
        ObjectNode params = (ObjectNode) JSON.readTree("{\"name\":\"summarise\",\"arguments\":{\"text\":\"x\"}}");
        PolicyInput input = new PolicyInput(
                ALICE,
                new JsonRpcMessage(JsonRpcMessage.Kind.REQUEST, IntNode.valueOf(1), "prompts/get", params, null),
                FACTS,
                null,
                null);

        assertThat(input.argumentFindings()).as("none given: none found").isEqualTo(ArgumentFindings.NONE);
        ObjectNode request = (ObjectNode) input.toJson().get("request");
        assertThat(request.get("prompt").asText()).isEqualTo("summarise");
        assertThat(request.has("tool")).isFalse();
        assertThat(request.has("argument_classes")).isFalse();
    }
}
