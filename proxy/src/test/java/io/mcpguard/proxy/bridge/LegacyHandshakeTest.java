package io.mcpguard.proxy.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.forward.OwnCalls;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The bridge's handshake messages, and how it reads every shape of answer a legacy server may give to them. */
class LegacyHandshakeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LegacyHandshake HANDSHAKE = new LegacyHandshake(JSON, 1 << 16, "1.2.3");
    private static final String RESULT = "{\"jsonrpc\":\"2.0\",\"id\":\"mcpguard-bridge\",\"result\":"
            + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{}},"
            + "\"serverInfo\":{\"name\":\"core\",\"version\":\"2\"},\"instructions\":\"Be kind.\"}}";

    private static OwnCalls.Answer answer(int status, String type, String body, String session) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (type != null) {
            headers.set("Content-Type", type);
        }
        if (session != null) {
            headers.set("Mcp-Session-Id", session);
        }
        return new OwnCalls.Answer(status, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void the_bridge_opens_with_the_newest_legacy_version_and_declares_no_client_capability() throws Exception {
        JsonNode initialize = JSON.readTree(HANDSHAKE.initialize());
        JsonNode initialized = JSON.readTree(HANDSHAKE.initialized());

        assertThat(initialize.get("method").asText()).isEqualTo("initialize");
        assertThat(initialize.get("id").asText()).isEqualTo(LegacyHandshake.INITIALIZE_ID);
        assertThat(initialize.at("/params/protocolVersion").asText()).isEqualTo("2025-11-25");
        assertThat(initialize.at("/params/capabilities").isEmpty()).isTrue();
        assertThat(initialize.at("/params/clientInfo").toString())
                .isEqualTo("{\"name\":\"mcpguard-bridge\",\"version\":\"1.2.3\"}");
        assertThat(initialized.toString()).isEqualTo("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    }

    @Test
    void a_json_answer_opens_the_session_it_names() {
        LegacySession session = HANDSHAKE.read(answer(200, "application/json; charset=utf-8", RESULT, "s-1"));

        assertThat(session.id()).isEqualTo("s-1");
        assertThat(session.version()).isEqualTo("2025-06-18");
        assertThat(session.capabilities().toString()).isEqualTo("{\"tools\":{}}");
        assertThat(session.serverInfo().get("name").asText()).isEqualTo("core");
        assertThat(session.instructions()).isEqualTo("Be kind.");
    }

    @Test
    void a_stream_answer_is_read_from_its_matching_event_and_a_server_without_sessions_is_fine() {
        String stream =
                ": priming\n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n"
                        + "data: " + RESULT + "\n\n";

        LegacySession session = HANDSHAKE.read(answer(200, "text/event-stream", stream, null));

        assertThat(session.id()).isNull();
        assertThat(session.version()).isEqualTo("2025-06-18");
    }

    @Test
    void what_is_missing_or_optional_in_a_result_reads_as_nothing() {
        LegacySession session = HANDSHAKE.read(answer(
                200,
                "application/json",
                "{\"jsonrpc\":\"2.0\",\"id\":\"mcpguard-bridge\",\"result\":{\"protocolVersion\":\"2024-11-05\","
                        + "\"capabilities\":[],\"serverInfo\":\"x\",\"instructions\":7}}",
                "s"));

        assertThat(session.capabilities().isEmpty()).isTrue();
        assertThat(session.serverInfo()).isNull();
        assertThat(session.instructions()).isNull();
    }

    @Test
    void every_answer_that_opens_no_usable_session_is_refused_with_a_reason_that_quotes_nothing() {
        assertRefused(answer(500, "text/plain", "java.lang.NullPointerException at Secret.java", null), "HTTP 500");
        assertRefused(
                answer(
                        200,
                        "application/json",
                        "{\"jsonrpc\":\"2.0\",\"id\":\"mcpguard-bridge\",\"error\":"
                                + "{\"code\":-32602,\"message\":\"token ghp_x is wrong\"}}",
                        null),
                "refused the bridge's initialize (JSON-RPC error -32602)");
        assertRefused(
                answer(200, "application/json", "{\"jsonrpc\":\"2.0\",\"id\":\"mcpguard-bridge\",\"error\":{}}", null),
                "refused the bridge's initialize");
        assertRefused(
                answer(200, "application/json", RESULT.replace("2025-06-18", "2026-07-28"), "s"),
                "a protocol version the bridge does not speak");
        assertRefused(answer(200, "application/json", RESULT, "bad id"), "not visible ASCII");
        assertRefused(answer(200, "application/json", RESULT, "x".repeat(257)), "not visible ASCII");
        assertRefused(answer(200, "application/json", RESULT, ""), "not visible ASCII");
        assertRefused(answer(200, "text/html", RESULT, "s"), "a media type it cannot read");
        assertRefused(answer(200, null, RESULT, "s"), "a media type it cannot read");
        assertRefused(answer(200, "application/json", "{not json", "s"), "is not JSON-RPC");
        assertRefused(
                answer(200, "application/json", RESULT.replace("mcpguard-bridge", "other"), "s"), "does not answer it");
        assertRefused(
                answer(200, "text/event-stream", "data: " + RESULT.replace("mcpguard-bridge", "x") + "\n\n", "s"),
                "does not answer it");
        assertRefused(answer(200, "text/event-stream", "data: [1,\n\n", "s"), "is not JSON-RPC");
        assertRefused(
                answer(200, "text/event-stream", "data: " + "x".repeat(1 << 17) + "\n\n", "s"), "is not JSON-RPC");
    }

    private static void assertRefused(OwnCalls.Answer answer, String reason) {
        assertThatThrownBy(() -> HANDSHAKE.read(answer))
                .isInstanceOf(BridgeException.class)
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain("ghp_", "NullPointer", "bad id")
                        .doesNotContain("2026-07-28"));
    }
}
