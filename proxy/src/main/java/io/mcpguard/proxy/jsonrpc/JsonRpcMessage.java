package io.mcpguard.proxy.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One validated JSON-RPC 2.0 message as the client sent it.
 *
 * @param kind request, notification or response
 * @param id the id (string or integer node); null for notifications
 * @param method the method; null for responses
 * @param params the params object; null when absent
 * @param node the whole message; this tree, not the client's bytes, is what the proxy forwards
 */
public record JsonRpcMessage(Kind kind, JsonNode id, String method, ObjectNode params, ObjectNode node) {

    public enum Kind {
        REQUEST,
        NOTIFICATION,
        RESPONSE;

        /** The lower-case name used in the policy input. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** True when the sender expects an answer carrying this message's id. */
    public boolean expectsResponse() {
        return kind == Kind.REQUEST;
    }

    /** The tool name of a {@code tools/call} request, else null. */
    public String toolName() {
        if (!"tools/call".equals(method) || params == null) {
            return null;
        }
        JsonNode name = params.get("name");
        return name != null && name.isTextual() ? name.asText() : null;
    }

    /** The arguments object of a {@code tools/call} request, else null. */
    public ObjectNode toolArguments() {
        if (!"tools/call".equals(method) || params == null) {
            return null;
        }
        JsonNode arguments = params.get("arguments");
        return arguments instanceof ObjectNode object ? object : null;
    }

    /** The text parameter {@code name} of a {@code method} request, else null. */
    public String paramText(String method, String name) {
        if (!method.equals(this.method) || params == null) {
            return null;
        }
        JsonNode value = params.get(name);
        return value != null && value.isTextual() ? value.asText() : null;
    }
}
