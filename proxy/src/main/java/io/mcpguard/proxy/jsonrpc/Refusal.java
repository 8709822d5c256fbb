package io.mcpguard.proxy.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A JSON-RPC error the proxy answers instead of forwarding.
 *
 * @param id the refused message's id, or null when it had none
 * @param code what went wrong
 * @param message text for the caller; never contains a secret, an address or a stack
 * @param data structured details for the caller, or null
 */
public record Refusal(JsonNode id, ErrorCode code, String message, ObjectNode data) {

    public static Refusal of(JsonRpcException e) {
        return new Refusal(e.id(), e.errorCode(), e.getMessage(), e.data());
    }

    /** The JSON-RPC error response object. */
    public ObjectNode toJson() {
        ObjectNode response = JsonNodeFactory.instance.objectNode();
        response.put("jsonrpc", "2.0");
        response.set("id", id == null ? NullNode.getInstance() : id);
        ObjectNode error = response.putObject("error");
        error.put("code", code.code());
        error.put("message", message);
        if (data != null && !data.isEmpty()) {
            error.set("data", data);
        }
        return response;
    }
}
