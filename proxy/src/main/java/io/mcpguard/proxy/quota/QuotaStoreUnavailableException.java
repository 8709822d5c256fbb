package io.mcpguard.proxy.quota;

/**
 * The shared quota store could not answer a take in time and the quota's policy says {@code deny}: the call is
 * refused, never let through uncounted.
 */
public final class QuotaStoreUnavailableException extends RuntimeException {
    QuotaStoreUnavailableException(Throwable cause) {
        super("the quota store did not answer (" + cause.getClass().getSimpleName() + ")", cause);
    }
}
