package io.mcpguard.proxy.policy;

/**
 * No decision could be had (engine down, erroring, too slow, or answering something that is not a decision). The
 * message is written for the caller: it names what failed, never an address or a stack.
 */
public final class PolicyUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PolicyUnavailableException(String message) {
        super(message, null, false, false);
    }

    public PolicyUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
