package io.mcpguard.proxy.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A message the proxy refuses, with the error code it maps to and the request id when one could be read. */
public final class JsonRpcException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;
    private final transient JsonNode id;
    private final String recordedReason;
    private final transient ObjectNode data;

    public JsonRpcException(ErrorCode errorCode, String message) {
        this(errorCode, message, null);
    }

    public JsonRpcException(ErrorCode errorCode, String message, JsonNode id) {
        this(errorCode, message, message, id);
    }

    /**
     * @param message the text answered to the client, which may quote what it sent (its own data)
     * @param recordedReason the same without anything the client chose: a member name can be anything, a credential
     *     pasted in the wrong place included, and neither a log line nor an audit span may keep it
     */
    public JsonRpcException(ErrorCode errorCode, String message, String recordedReason, JsonNode id) {
        this(errorCode, message, recordedReason, id, null);
    }

    /** @param data structured details the error answer carries ({@code error.data}), or null */
    public JsonRpcException(ErrorCode errorCode, String message, String recordedReason, JsonNode id, ObjectNode data) {
        super(message, null, false, false);
        this.errorCode = errorCode;
        this.id = id;
        this.recordedReason = recordedReason;
        this.data = data;
    }

    /** Structured details for the answer's {@code error.data}, or null. */
    public ObjectNode data() {
        return data;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    /** The reason the proxy records (log line, audit span): {@link #getMessage()} without the client's own text. */
    public String recordedReason() {
        return recordedReason;
    }

    /** The offending message's id, or null when it had none or it could not be read. */
    public JsonNode id() {
        return id;
    }
}
