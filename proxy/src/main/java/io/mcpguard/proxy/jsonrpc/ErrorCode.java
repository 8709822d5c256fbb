package io.mcpguard.proxy.jsonrpc;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Every JSON-RPC error the proxy itself produces, with the HTTP status used when the error cannot ride on a
 * request id (a notification, a malformed body). Codes {@code -32000..-32019} are implementation-defined in the
 * legacy MCP eras; ours avoid {@code -32002} (legacy MCP "resource not found").
 */
public enum ErrorCode {
    PARSE_ERROR(-32700, HttpResponseStatus.BAD_REQUEST),
    INVALID_REQUEST(-32600, HttpResponseStatus.BAD_REQUEST),
    INVALID_PARAMS(-32602, HttpResponseStatus.BAD_REQUEST),
    /** MCP 2026-07-28: a request for a method the era does not have (the ones it removed included). */
    METHOD_NOT_FOUND(-32601, HttpResponseStatus.NOT_FOUND),
    /** MCP 2026-07-28 HeaderMismatch: an {@code Mcp-Method}/{@code Mcp-Name} header disagrees with the body. */
    HEADER_MISMATCH(-32020, HttpResponseStatus.BAD_REQUEST),
    /**
     * MCP 2026-07-28 UnsupportedProtocolVersion: a modern request names a version the proxy does not enforce;
     * {@code error.data.supported} lists those it does, for the client to retry with.
     */
    UNSUPPORTED_PROTOCOL_VERSION(-32022, HttpResponseStatus.BAD_REQUEST),
    /** The policy said no. The message carries the policy's reasons. */
    POLICY_DENIED(-32001, HttpResponseStatus.FORBIDDEN),
    /** Not forwarded because another element of the same batch was refused; batches pass whole or not at all. */
    BATCH_NOT_FORWARDED(-32003, HttpResponseStatus.FORBIDDEN),
    /** OPA unreachable, erroring, undefined or too slow: the proxy fails closed. */
    POLICY_UNAVAILABLE(-32004, HttpResponseStatus.SERVICE_UNAVAILABLE),
    /**
     * Over the quota the policy set for this subject and tool class; {@code error.data.retry_after_ms} says when a
     * retry can pass (and HTTP {@code Retry-After} when the refusal has no id).
     */
    OVER_QUOTA(-32029, HttpResponseStatus.TOO_MANY_REQUESTS),
    /** The guarded MCP server cannot be reached. */
    UPSTREAM_UNAVAILABLE(-32005, HttpResponseStatus.BAD_GATEWAY),
    /** The guarded MCP server did not start answering in time. */
    UPSTREAM_TIMEOUT(-32006, HttpResponseStatus.GATEWAY_TIMEOUT),
    /** No credential, or one that is not valid (expired, wrong audience or issuer, bad signature, revoked key). */
    AUTHENTICATION_REQUIRED(-32007, HttpResponseStatus.UNAUTHORIZED),
    /** The credential is valid but lacks a scope this request needs, or the policy asks for MFA (step-up). */
    INSUFFICIENT_SCOPE(-32008, HttpResponseStatus.FORBIDDEN),
    /** The issuer's keys could not be loaded, so no token can be verified: fail closed. */
    IDENTITY_UNAVAILABLE(-32009, HttpResponseStatus.SERVICE_UNAVAILABLE),
    /**
     * The {@code Mcp-Session-Id} is not one this subject created (unknown, expired, or another subject's). 404 is
     * what MCP clients read as "re-initialize"; the same answer for all three gives a prober no oracle.
     */
    SESSION_NOT_FOUND(-32010, HttpResponseStatus.NOT_FOUND),
    /** The credential was presented in a way the proxy refuses (query string, several headers). */
    BAD_CREDENTIAL_REQUEST(-32600, HttpResponseStatus.BAD_REQUEST),
    /** {@code Host} or {@code Origin} is not on the allow-list (DNS-rebinding defence). */
    ORIGIN_NOT_ALLOWED(-32600, HttpResponseStatus.FORBIDDEN),
    /** An answer the proxy must rewrite (a {@code tools/list} result) was larger than it may hold to do so. */
    ANSWER_TOO_LARGE(-32011, HttpResponseStatus.BAD_GATEWAY),
    /**
     * The server's answer cannot be inspected — a content encoding (gzip, …), a media type or a charset the proxy
     * does not read — so it is refused rather than passed unmasked.
     */
    ANSWER_NOT_INSPECTABLE(-32012, HttpResponseStatus.BAD_GATEWAY),
    /**
     * The subject (or, before authentication, its address) already holds all it may at once — requests in flight,
     * event streams, decisions ({@code budgets.*}); a retry after one of them ends can pass ({@code Retry-After}).
     */
    BUSY(-32013, HttpResponseStatus.TOO_MANY_REQUESTS),
    /** The body is larger than {@code limits.max-body-bytes}. */
    BODY_TOO_LARGE(-32600, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);

    private final int code;
    private final HttpResponseStatus httpStatus;

    ErrorCode(int code, HttpResponseStatus httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public int code() {
        return code;
    }

    public HttpResponseStatus httpStatus() {
        return httpStatus;
    }
}
