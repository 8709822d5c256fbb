package io.mcpguard.proxy.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.forward.EventStreamBodies;
import io.mcpguard.proxy.forward.OwnCalls;
import io.mcpguard.proxy.jsonrpc.ProtocolEra;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The two messages a legacy client opens a session with ({@code initialize}, then {@code notifications/initialized}),
 * as the bridge sends them, and the reading of the server's answer. The bridge declares no client capability: a
 * 2026-07-28 client cannot be reached by a request from the server (no sampling, roots or elicitation), so the server
 * must not expect to make one.
 */
final class LegacyHandshake {
    /** The id of the bridge's {@code initialize}; the server's answer must carry it back. */
    static final String INITIALIZE_ID = "mcpguard-bridge";

    /** A session id is visible ASCII (MCP, Streamable HTTP) and, here, of a sane length. */
    private static final int MAX_SESSION_ID = 256;

    private final ObjectMapper json;
    private final int maxAnswerBytes;
    private final byte[] initialize;
    private final byte[] initialized;

    LegacyHandshake(ObjectMapper json, int maxAnswerBytes, String proxyVersion) {
        this.json = json;
        this.maxAnswerBytes = maxAnswerBytes;
        ObjectNode request = json.createObjectNode().put("jsonrpc", "2.0").put("id", INITIALIZE_ID);
        request.put("method", "initialize");
        ObjectNode params = request.putObject("params");
        params.put("protocolVersion", ProtocolEra.LEGACY_VERSIONS.get(0));
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "mcpguard-bridge").put("version", proxyVersion);
        this.initialize = bytes(request);
        this.initialized =
                bytes(json.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/initialized"));
    }

    byte[] initialize() {
        return initialize.clone();
    }

    byte[] initialized() {
        return initialized.clone();
    }

    /** The session the server's answer to {@code initialize} opened; a failure names what was wrong, never a value. */
    LegacySession read(OwnCalls.Answer answer) {
        if (answer.status() != 200) {
            throw new BridgeException("the MCP server answered the bridge's initialize with HTTP " + answer.status());
        }
        JsonNode message = message(answer);
        if (!(message.get("result") instanceof ObjectNode result)) {
            JsonNode code = message.path("error").path("code");
            throw new BridgeException("the MCP server refused the bridge's initialize"
                    + (code.isIntegralNumber() ? " (JSON-RPC error " + code.asInt() + ")" : ""));
        }
        String version = result.path("protocolVersion").asText("");
        if (!ProtocolEra.LEGACY_VERSIONS.contains(version)) {
            throw new BridgeException("the MCP server chose a protocol version the bridge does not speak; it speaks "
                    + ProtocolEra.LEGACY_VERSIONS);
        }
        String id = answer.headers().get("Mcp-Session-Id");
        if (id != null
                && (id.isEmpty() || id.length() > MAX_SESSION_ID || !id.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            throw new BridgeException(
                    "the MCP server's session id is not visible ASCII of at most " + MAX_SESSION_ID + " characters");
        }
        return new LegacySession(
                id,
                version,
                result.get("capabilities") instanceof ObjectNode caps ? caps : json.createObjectNode(),
                result.get("serverInfo") instanceof ObjectNode info ? info : null,
                result.path("instructions").isTextual()
                        ? result.get("instructions").asText()
                        : null);
    }

    /** The answer to the bridge's initialize, from a JSON body or the first matching event of a stream. */
    private JsonNode message(OwnCalls.Answer answer) {
        String type = answer.headers().get(HttpHeaderNames.CONTENT_TYPE, "").toLowerCase(Locale.ROOT);
        try {
            if (type.startsWith("application/json")) {
                JsonNode message = json.readTree(answer.body());
                if (isAnswer(message)) {
                    return message;
                }
            } else if (type.startsWith("text/event-stream")) {
                for (String data : EventStreamBodies.messages(answer.body(), maxAnswerBytes)) {
                    JsonNode message = json.readTree(data.getBytes(StandardCharsets.UTF_8));
                    if (isAnswer(message)) {
                        return message;
                    }
                }
            } else {
                throw new BridgeException(
                        "the MCP server answered the bridge's initialize with a media type it cannot" + " read");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new BridgeException("the MCP server's answer to the bridge's initialize is not JSON-RPC");
        }
        throw new BridgeException("the MCP server's answer to the bridge's initialize does not answer it");
    }

    private static boolean isAnswer(JsonNode message) {
        return message != null && INITIALIZE_ID.equals(message.path("id").asText(null)) && !message.has("method");
    }

    private byte[] bytes(JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a tree built here always serialises
        }
    }
}
