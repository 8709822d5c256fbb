package io.mcpguard.proxy.policy;

import java.util.concurrent.CompletableFuture;

/**
 * Decides one message. Implementations never block the caller; the future fails with
 * {@link PolicyUnavailableException} when no trustworthy answer can be had, and callers deny on that.
 */
public interface PolicyEngine extends AutoCloseable {

    CompletableFuture<Decision> decide(PolicyInput input);

    @Override
    void close();
}
