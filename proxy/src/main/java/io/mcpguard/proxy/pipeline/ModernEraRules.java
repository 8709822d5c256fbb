package io.mcpguard.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcException;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.ProtocolEra;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import java.util.Set;

/**
 * What MCP 2026-07-28 requires of a request before anything decides it, checked in the order a client learns most
 * from: one request or notification per POST (no batch, no response: the client answers nothing in this era)
 * ({@code -32600}); the version in the {@code MCP-Protocol-Version} header ({@code -32020}) and in {@code _meta} on
 * every request ({@code -32602}), the two equal ({@code -32020}) and one the proxy enforces ({@code -32022}, listing
 * those); a method that exists in the era ({@code -32601}, HTTP 404: the methods 2026-07-28 removed included); and
 * the {@code Mcp-Method} header on every message, the {@code Mcp-Name} header on the requests that name a target
 * ({@code -32020}). Their values are matched to the body by {@link McpDecoder#checkHeadersMatchBody}.
 */
final class ModernEraRules {
    /** The requests a 2026-07-28 client sends (the tasks extension's included). */
    static final Set<String> REQUESTS = Set.of(
            "server/discover",
            "tools/list",
            "tools/call",
            "prompts/list",
            "prompts/get",
            "resources/list",
            "resources/read",
            "resources/templates/list",
            "completion/complete",
            "subscriptions/listen",
            "tasks/get",
            "tasks/result",
            "tasks/list",
            "tasks/cancel");

    /** The requests whose {@code Mcp-Name} header names their target, and the member of params it mirrors. */
    static final Map<String, String> NAMED =
            Map.of("tools/call", "name", "prompts/get", "name", "resources/read", "uri");

    private static final String MODERN = "an MCP " + ProtocolEra.FIRST_MODERN_VERSION + " POST";

    private ModernEraRules() {}

    /** @param header the {@code MCP-Protocol-Version} header's value, or null */
    static void check(HttpHeaders headers, String header, DecodedBody body) throws JsonRpcException {
        if (body.batch()) {
            throw new JsonRpcException(ErrorCode.INVALID_REQUEST, MODERN + " carries one message, not a batch");
        }
        JsonRpcMessage message = body.messages().get(0);
        if (message.kind() == JsonRpcMessage.Kind.RESPONSE) {
            throw new JsonRpcException(
                    ErrorCode.INVALID_REQUEST, MODERN + " is a request or a notification, never a response");
        }
        boolean request = message.kind() == JsonRpcMessage.Kind.REQUEST;
        if (header == null) {
            throw new JsonRpcException(
                    ErrorCode.HEADER_MISMATCH, MODERN + " must carry the MCP-Protocol-Version header", message.id());
        }
        JsonNode metaVersion = ProtocolEra.metaVersionNode(message);
        if (metaVersion == null && request) {
            throw new JsonRpcException(
                    ErrorCode.INVALID_PARAMS,
                    MODERN + " request must name its version in params._meta[\"" + ProtocolEra.META_VERSION + "\"]",
                    message.id());
        }
        if (metaVersion != null
                && !(metaVersion.isTextual() && metaVersion.asText().equals(header))) {
            throw new JsonRpcException(
                    ErrorCode.HEADER_MISMATCH,
                    "MCP-Protocol-Version header does not match the body's _meta version",
                    message.id());
        }
        if (!ProtocolEra.MODERN_VERSIONS.contains(header)) {
            throw unsupported(header, message);
        }
        if (request && !REQUESTS.contains(message.method())) {
            // The method is the client's text: the answer does not quote it.
            throw new JsonRpcException(
                    ErrorCode.METHOD_NOT_FOUND,
                    "method not found in MCP " + ProtocolEra.FIRST_MODERN_VERSION,
                    message.id());
        }
        if (headers.get(McpDecoder.MCP_METHOD_HEADER) == null) {
            throw new JsonRpcException(
                    ErrorCode.HEADER_MISMATCH, MODERN + " must carry the Mcp-Method header", message.id());
        }
        String member = request ? NAMED.get(message.method()) : null;
        if (member != null
                && message.params() != null
                && message.params().has(member)
                && headers.get(McpDecoder.MCP_NAME_HEADER) == null) {
            throw new JsonRpcException(
                    ErrorCode.HEADER_MISMATCH,
                    MODERN + " " + message.method() + " must carry the Mcp-Name header",
                    message.id());
        }
    }

    /**
     * {@code -32022}: the versions a modern request may name here (those a {@code server/discover} answer lists), and
     * the one it named, echoed as the era asks.
     */
    private static JsonRpcException unsupported(String header, JsonRpcMessage message) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        ArrayNode supported = data.putArray("supported");
        ProtocolEra.MODERN_VERSIONS.forEach(supported::add);
        data.put("requested", header);
        return new JsonRpcException(
                ErrorCode.UNSUPPORTED_PROTOCOL_VERSION,
                "unsupported protocol version; supported: " + String.join(", ", ProtocolEra.MODERN_VERSIONS),
                "unsupported protocol version",
                message.id(),
                data);
    }
}
