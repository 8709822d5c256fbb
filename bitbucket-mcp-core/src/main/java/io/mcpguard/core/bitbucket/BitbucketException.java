package io.mcpguard.core.bitbucket;

/**
 * A Bitbucket call that did not succeed, classified so a tool can tell the caller what to do next. {@code status} is
 * the HTTP status (0 when Bitbucket could not be reached); {@code bitbucketMessage} is Bitbucket's own {@code
 * error.message} when it sent one.
 */
public final class BitbucketException extends Exception {
    /** What went wrong, in the terms a caller acts on. */
    public enum Kind {
        BAD_REQUEST,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        CONFLICT,
        RATE_LIMITED,
        SERVER_ERROR,
        UNREACHABLE,
        UNEXPECTED
    }

    private final int status;
    private final Kind kind;
    private final String bitbucketMessage;
    private final Long retryAfterSeconds;

    public BitbucketException(int status, String bitbucketMessage, Long retryAfterSeconds) {
        super("Bitbucket answered " + status + (bitbucketMessage == null ? "" : ": " + bitbucketMessage));
        this.status = status;
        this.kind = classify(status);
        this.bitbucketMessage = bitbucketMessage;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public BitbucketException(String reason, Throwable cause) {
        super(reason, cause);
        this.status = 0;
        this.kind = Kind.UNREACHABLE;
        this.bitbucketMessage = null;
        this.retryAfterSeconds = null;
    }

    private static Kind classify(int status) {
        return switch (status) {
            case 400, 422 -> Kind.BAD_REQUEST;
            case 401 -> Kind.UNAUTHORIZED;
            case 403 -> Kind.FORBIDDEN;
            case 404 -> Kind.NOT_FOUND;
            case 409 -> Kind.CONFLICT;
            case 429 -> Kind.RATE_LIMITED;
            default -> status >= 500 ? Kind.SERVER_ERROR : Kind.UNEXPECTED;
        };
    }

    public int status() {
        return status;
    }

    public Kind kind() {
        return kind;
    }

    public String bitbucketMessage() {
        return bitbucketMessage;
    }

    /** Seconds from Bitbucket's {@code Retry-After}, or {@code null} when it sent none. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
