package io.mcpguard.proxy.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a modern request loses on its way to a legacy server, and the discovery answer built from a session. */
class ModernEnvelopeTest {
    private static final JsonRpcDecoder DECODER = new JsonRpcDecoder(64, 1 << 20, 32);
    private static final ObjectMapper JSON = DECODER.mapper();

    private static DecodedBody decoded(String body) throws Exception {
        return DECODER.decode(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void the_envelope_leaves_and_everything_else_stays() throws Exception {
        DecodedBody body = decoded("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
                + "\"arguments\":{\"a\":1},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                + "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"c\"},"
                + "\"io.modelcontextprotocol/clientCapabilities\":{},\"io.modelcontextprotocol/logLevel\":\"info\","
                + "\"progressToken\":\"p\",\"io.modelcontextprotocol/other\":1}}}");

        DecodedBody legacy = ModernEnvelope.forLegacy(body, JSON);

        JsonNode sent = JSON.readTree(legacy.canonicalBytes());
        assertThat(sent.toString())
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
                        + "\"arguments\":{\"a\":1},\"_meta\":{\"progressToken\":\"p\","
                        + "\"io.modelcontextprotocol/other\":1}}}");
        assertThat(legacy.messages().get(0).params()).isEqualTo(sent.get("params"));
        assertThat(legacy.messages().get(0).toolName()).isEqualTo("t");
        assertThat(body.messages().get(0).params().get("_meta").size())
                .as("the client's decoded message is not changed")
                .isEqualTo(6);
    }

    @Test
    void a_meta_left_empty_is_removed_and_a_message_without_params_passes() throws Exception {
        DecodedBody onlyEnvelope = decoded("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{"
                + "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}");
        DecodedBody noParams = decoded("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\"}");

        assertThat(new String(ModernEnvelope.forLegacy(onlyEnvelope, JSON).canonicalBytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}");
        assertThat(new String(ModernEnvelope.forLegacy(noParams, JSON).canonicalBytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\"}");
    }

    @Test
    void a_batch_is_no_modern_body() throws Exception {
        DecodedBody batch = decoded("[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\"}]");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModernEnvelope.forLegacy(batch, JSON))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void discovery_offers_the_modern_versions_and_only_what_the_bridge_can_honour() throws Exception {
        ObjectNode capabilities = (ObjectNode) JSON.readTree("{\"tools\":{\"listChanged\":true},"
                + "\"resources\":{\"subscribe\":true,\"listChanged\":true},\"prompts\":{},\"completions\":{},"
                + "\"logging\":{},\"experimental\":{\"x\":{}},\"tasks\":{},\"odd\":true}");
        LegacySession session = new LegacySession(
                "s", "2025-11-25", capabilities, (ObjectNode) JSON.readTree("{\"name\":\"core\"}"), "Hello.");

        JsonNode answer = JSON.readTree(ModernEnvelope.discoverAnswer(IntNode.valueOf(9), session, JSON));

        assertThat(answer.get("id").asInt()).isEqualTo(9);
        JsonNode result = answer.get("result");
        assertThat(result.get("supportedVersions").toString()).isEqualTo("[\"2026-07-28\"]");
        assertThat(result.get("capabilities").toString())
                .isEqualTo("{\"tools\":{},\"resources\":{},\"prompts\":{},\"completions\":{}}");
        assertThat(result.get("instructions").asText()).isEqualTo("Hello.");
        assertThat(result.at("/_meta/io.modelcontextprotocol~1serverInfo/name").asText())
                .isEqualTo("core");
        assertThat(capabilities.get("tools").has("listChanged"))
                .as("the session's own is not changed")
                .isTrue();
    }

    @Test
    void discovery_without_instructions_or_identity_says_nothing_of_them() throws Exception {
        LegacySession bare = new LegacySession(null, "2025-11-25", JSON.createObjectNode(), null, null);

        JsonNode result = JSON.readTree(ModernEnvelope.discoverAnswer(IntNode.valueOf(1), bare, JSON))
                .get("result");

        assertThat(result.has("instructions")).isFalse();
        assertThat(result.has("_meta")).isFalse();
        assertThat(result.get("capabilities").isEmpty()).isTrue();
    }
}
