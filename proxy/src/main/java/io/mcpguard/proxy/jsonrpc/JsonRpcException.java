package io.mcpguard.proxy.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;

/** A message the proxy refuses, with the error code it maps to and the request id when one could be read. */
public final class JsonRpcException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;
    private final transient JsonNode id;

    public JsonRpcException(ErrorCode errorCode, String message) {
        this(errorCode, message, null);
    }

    public JsonRpcException(ErrorCode errorCode, String message, JsonNode id) {
        super(message, null, false, false);
        this.errorCode = errorCode;
        this.id = id;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    /** The offending message's id, or null when it had none or it could not be read. */
    public JsonNode id() {
        return id;
    }
}
