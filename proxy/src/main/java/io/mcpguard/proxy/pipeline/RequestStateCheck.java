package io.mcpguard.proxy.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.forward.SealedRequestStates;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcException;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import java.util.List;

/**
 * The retry of a 2026-07-28 multi round-trip request brings back the {@code requestState} the proxy sealed for its
 * subject ({@link SealedRequestStates}); the server gets its own state back, opened. The state is the client's word
 * until opened: one that was not sealed here, was altered, belongs to another subject or has expired is refused
 * ({@code -32602}) before any decision — in either era, since a server that speaks both may read a state wherever it
 * finds one. The retry itself is decided from scratch like any request.
 */
final class RequestStateCheck {
    private static final String MEMBER = "requestState";

    private RequestStateCheck() {}

    /** The body with its request state opened, the same body when it carries none. */
    static DecodedBody opened(DecodedBody body, String subject, SealedRequestStates states, ObjectMapper json)
            throws JsonRpcException {
        if (body.batch()) {
            // A retry is one 2026-07-28 request; in a batch a state could only be one the proxy never sealed.
            for (JsonRpcMessage element : body.messages()) {
                if (element.params() != null && element.params().has(MEMBER)) {
                    throw new JsonRpcException(
                            ErrorCode.INVALID_PARAMS, "requestState belongs to a single request", element.id());
                }
            }
            return body;
        }
        JsonRpcMessage message = body.messages().get(0);
        JsonNode state = message.params() == null ? null : message.params().get(MEMBER);
        if (state == null) {
            return body;
        }
        String opened = state.isTextual() ? states.open(subject, state.asText()) : null;
        if (opened == null) {
            throw new JsonRpcException(
                    ErrorCode.INVALID_PARAMS,
                    "requestState was not issued to you through this proxy, or it has expired; send the request anew",
                    message.id());
        }
        ObjectNode node = message.node().deepCopy();
        ObjectNode params = (ObjectNode) node.get("params");
        params.put(MEMBER, opened);
        try {
            return new DecodedBody(
                    List.of(new JsonRpcMessage(message.kind(), message.id(), message.method(), params, node)),
                    false,
                    json.writeValueAsBytes(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree the same mapper read always serialises
        }
    }
}
