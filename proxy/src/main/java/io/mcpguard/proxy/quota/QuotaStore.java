package io.mcpguard.proxy.quota;

import io.mcpguard.proxy.policy.Decision.QuotaSpec;
import java.util.concurrent.CompletableFuture;

/**
 * Token buckets, keyed by what the policy returned. {@link LocalQuotaStore} keeps them in this process; a store
 * shared by several replicas (Redis) implements the same interface. Implementations never block the caller.
 */
public interface QuotaStore extends AutoCloseable {

    /** Takes {@code spec.cost()} tokens from the bucket {@code spec} names, if it holds that many. */
    CompletableFuture<QuotaOutcome> take(QuotaSpec spec);

    @Override
    default void close() {}
}
