package io.mcpguard.proxy.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.ProtocolEra;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * What changes in a message between the eras when the proxy bridges: a modern request loses its per-request envelope
 * (the version, the client's info and capabilities, now the session's business) on its way to a legacy server, and
 * the modern client's {@code server/discover} is answered from the session's {@code initialize} result.
 */
public final class ModernEnvelope {
    /** The {@code _meta} members of the 2026-07-28 per-request envelope. */
    static final Set<String> ENVELOPE = Set.of(
            ProtocolEra.META_VERSION,
            "io.modelcontextprotocol/clientInfo",
            "io.modelcontextprotocol/clientCapabilities",
            "io.modelcontextprotocol/logLevel");

    /**
     * The capabilities a bridged server can honour for a modern client, and the members of each it keeps: list
     * changes and resource subscriptions reach a 2026-07-28 client only through {@code subscriptions/listen}, which
     * the bridge does not carry, so they are not promised.
     */
    private static final Set<String> CAPABILITIES = Set.of("tools", "prompts", "resources", "completions");

    private static final Set<String> NOT_BRIDGED = Set.of("listChanged", "subscribe");

    private ModernEnvelope() {}

    /**
     * The body as a legacy server reads it: its message without the modern envelope, re-serialised. A modern body is
     * one message (the era's rules refuse a batch before this).
     */
    public static DecodedBody forLegacy(DecodedBody body, ObjectMapper json) {
        if (body.batch()) {
            throw new IllegalArgumentException("a 2026-07-28 body is one message");
        }
        JsonRpcMessage message = body.messages().get(0);
        ObjectNode node = message.node().deepCopy();
        ObjectNode params = node.get("params") instanceof ObjectNode p ? p : null;
        if (params != null && params.get("_meta") instanceof ObjectNode meta) {
            meta.remove(ENVELOPE);
            if (meta.isEmpty()) {
                params.remove("_meta");
            }
        }
        return new DecodedBody(
                List.of(new JsonRpcMessage(message.kind(), message.id(), message.method(), params, node)),
                false,
                bytes(json, node));
    }

    /**
     * The answer to a modern client's {@code server/discover} (request {@code id}) from what the legacy server said
     * in {@code initialize}: the versions the proxy speaks to the client, the capabilities the bridge can honour, the
     * server's instructions, and its identity in {@code _meta}. Cache hints are added on the answer path.
     */
    public static byte[] discoverAnswer(JsonNode id, LegacySession session, ObjectMapper json) {
        ObjectNode answer = json.createObjectNode().put("jsonrpc", "2.0");
        answer.set("id", id);
        ObjectNode result = answer.putObject("result");
        ArrayNode versions = result.putArray("supportedVersions");
        ProtocolEra.MODERN_VERSIONS.forEach(versions::add);
        ObjectNode capabilities = result.putObject("capabilities");
        session.capabilities().fields().forEachRemaining(entry -> {
            if (CAPABILITIES.contains(entry.getKey()) && entry.getValue() instanceof ObjectNode offered) {
                ObjectNode kept = offered.deepCopy();
                kept.remove(NOT_BRIDGED);
                capabilities.set(entry.getKey(), kept);
            }
        });
        if (session.instructions() != null) {
            result.put("instructions", session.instructions());
        }
        if (session.serverInfo() != null) {
            result.putObject("_meta")
                    .set(
                            "io.modelcontextprotocol/serverInfo",
                            session.serverInfo().deepCopy());
        }
        return bytes(json, answer);
    }

    private static byte[] bytes(ObjectMapper json, JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a tree the same mapper built always serialises
        }
    }
}
