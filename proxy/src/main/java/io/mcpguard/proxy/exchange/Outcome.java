package io.mcpguard.proxy.exchange;

import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.policy.Decision;

/**
 * How an exchange, or one message of it, ended, as the audit trail records it ({@code mcp.policy.outcome}). The wire
 * names are part of the audit contract (dashboards and alerts select on them): never rename one.
 */
public enum Outcome {
    /** The policy allowed it and it was forwarded (the server may still have failed it: see the error type). */
    ALLOW("allow"),
    /** The policy denied it. */
    DENY("deny"),
    /** The policy would allow it with a second factor. */
    STEP_UP("step_up"),
    /** The credential lacks a scope the method or tool needs. */
    INSUFFICIENT_SCOPE("insufficient_scope"),
    /** The decision's quota bucket was empty. */
    OVER_QUOTA("over_quota"),
    /** The subject already held all it may at once (requests in flight, streams, decisions): {@code budgets.*}. */
    OVER_BUDGET("over_budget"),
    /** Allowed, but another message of its batch was refused, so nothing was sent. */
    NOT_SENT("not_sent"),
    /** The policy could not be asked (OPA down, slow, or a bug): refused, never allowed. */
    UNAVAILABLE("unavailable"),
    /** Forwarded, but the server could not be reached, timed out, or failed mid-answer. */
    UPSTREAM_ERROR("upstream_error"),
    /** Refused for a reason no other outcome names. */
    ERROR("error"),
    /** The client left before it was answered. */
    ABANDONED("abandoned"),
    /** No valid credential. */
    UNAUTHENTICATED("unauthenticated"),
    /** The identity provider could not be reached to verify the credential. */
    IDENTITY_UNAVAILABLE("identity_unavailable"),
    /** A session presented by a subject that does not own it (or an unknown one). */
    SESSION_REFUSED("session_refused"),
    /** Host or Origin not on the allow-list (DNS-rebinding defence). */
    ORIGIN_REFUSED("origin_refused"),
    /** The body exceeded the size limit. */
    TOO_LARGE("too_large"),
    /** Not a valid MCP request: wrong media type, malformed JSON-RPC, headers that contradict the body. */
    INVALID("invalid");

    private final String wireName;

    Outcome(String wireName) {
        this.wireName = wireName;
    }

    /** The value of {@code mcp.policy.outcome} and of the metrics' {@code outcome} label. */
    public String wireName() {
        return wireName;
    }

    /** Whether it counts towards a subject's denial burst ({@code security.denial_burst}). */
    public boolean isDenial() {
        return this == DENY || this == INSUFFICIENT_SCOPE;
    }

    /** The outcome of a message refused with {@code code}, given the decision it had (null when none). */
    public static Outcome ofRefusal(ErrorCode code, Decision decision) {
        return switch (code) {
            case POLICY_DENIED -> DENY;
            case INSUFFICIENT_SCOPE -> decision != null && decision.requiresMfa() ? STEP_UP : INSUFFICIENT_SCOPE;
            case OVER_QUOTA -> OVER_QUOTA;
            case BUSY -> OVER_BUDGET;
            case BATCH_NOT_FORWARDED -> NOT_SENT;
            case POLICY_UNAVAILABLE -> UNAVAILABLE;
            case UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, ANSWER_TOO_LARGE, ANSWER_NOT_INSPECTABLE -> UPSTREAM_ERROR;
            default -> ERROR;
        };
    }
}
