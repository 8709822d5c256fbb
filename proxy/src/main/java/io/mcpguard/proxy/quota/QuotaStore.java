package io.mcpguard.proxy.quota;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.policy.Decision.QuotaSpec;
import io.opentelemetry.api.metrics.Meter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Token buckets, keyed by what the policy returned. {@link LocalQuotaStore} keeps them in this process; a store
 * shared by several replicas (Redis) implements the same interface. Implementations never block the caller; a take the store
 * cannot answer fails with {@link QuotaStoreUnavailableException}.
 */
public interface QuotaStore extends AutoCloseable {

    /**
     * The store {@code quota.store} names: buckets in this process, or in Redis with this process's buckets as the
     * fallback of quotas whose policy says {@code on_store_failure: local}.
     */
    static QuotaStore open(ProxyConfig.Quota config, Meter meter) {
        LocalQuotaStore local = new LocalQuotaStore(config.maxBuckets(), Duration.ofHours(1));
        return config.store() == ProxyConfig.Quota.Store.REDIS
                ? new RedisQuotaStore(config.redis(), local, meter)
                : local;
    }

    /** Takes {@code spec.cost()} tokens from the bucket {@code spec} names, if it holds that many. */
    CompletableFuture<QuotaOutcome> take(QuotaSpec spec);

    @Override
    default void close() {}
}
