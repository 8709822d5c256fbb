package io.mcpguard.core.server;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SDK's JSON mapper with one change: an {@link McpError} is written as a JSON-RPC error object.
 *
 * <p>Why: SDK 2.1.0's {@code HttpServletStreamableServerTransportProvider.responseError} serialises the {@code McpError}
 * exception itself (404 unknown session, 400 missing session or bad Accept, 400 batch), which puts the Java stack
 * trace, class names and line numbers into the HTTP body. That is not a JSON-RPC message, and it tells an attacker
 * what runs here. The provider's constructor is private, so the mapper is the one hook that reaches that path.
 */
public final class JsonRpcErrorMapper implements McpJsonMapper {
    private final McpJsonMapper delegate;

    public JsonRpcErrorMapper(McpJsonMapper delegate) {
        this.delegate = delegate;
    }

    /** {@code {"jsonrpc":"2.0","id":null,"error":{"code":…,"message":…}}} for an error that has no request id. */
    static Map<String, Object> errorObject(int code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("jsonrpc", McpSchema.JSONRPC_VERSION);
        root.put("id", null);
        root.put("error", error);
        return root;
    }

    /**
     * The SDK puts Jackson's exception text into "Invalid message format" errors (Java type names, parser
     * locations); the client learns nothing from it that the plain sentence does not say.
     */
    static String withoutParserInternals(String message) {
        if (message.contains("at [Source") || message.contains("`java.") || message.contains("JsonToken")) {
            int colon = message.indexOf(':');
            String prefix = colon > 0 ? message.substring(0, colon) : "Invalid message";
            return prefix + ": the body must be one JSON-RPC 2.0 message object (batches are not supported)";
        }
        return message;
    }

    private Object replace(Object value) {
        if (value instanceof McpError e) {
            McpSchema.JSONRPCResponse.JSONRPCError error = e.getJsonRpcError();
            int code = error != null && error.code() != null ? error.code() : McpSchema.ErrorCodes.INTERNAL_ERROR;
            String message = error != null && error.message() != null ? error.message() : "Internal error";
            return errorObject(code, withoutParserInternals(message));
        }
        if (value instanceof Throwable t) {
            return errorObject(McpSchema.ErrorCodes.INTERNAL_ERROR, "Internal error");
        }
        return value;
    }

    @Override
    public String writeValueAsString(Object value) throws IOException {
        return delegate.writeValueAsString(replace(value));
    }

    @Override
    public byte[] writeValueAsBytes(Object value) throws IOException {
        return delegate.writeValueAsString(replace(value)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public <T> T readValue(String content, Class<T> type) throws IOException {
        return delegate.readValue(content, type);
    }

    @Override
    public <T> T readValue(byte[] content, Class<T> type) throws IOException {
        return delegate.readValue(content, type);
    }

    @Override
    public <T> T readValue(String content, TypeRef<T> type) throws IOException {
        return delegate.readValue(content, type);
    }

    @Override
    public <T> T readValue(byte[] content, TypeRef<T> type) throws IOException {
        return delegate.readValue(content, type);
    }

    @Override
    public <T> T convertValue(Object from, Class<T> type) {
        return delegate.convertValue(from, type);
    }

    @Override
    public <T> T convertValue(Object from, TypeRef<T> type) {
        return delegate.convertValue(from, type);
    }
}
