package io.mcpguard.proxy.quota;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.mcpguard.proxy.policy.Decision.QuotaSpec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Token buckets in this process (Caffeine), for a proxy that runs as one replica or whose quotas may be per
 * replica. A bucket is identified by the policy's key together with its limit and window, so a policy that changes
 * a limit starts a fresh bucket instead of reinterpreting an old one. Bounded: at most {@code maxBuckets}; a bucket
 * unused for its window (or {@code idleExpiry}, if longer), by which time it would be full again, is forgotten.
 */
public final class LocalQuotaStore implements QuotaStore {
    private final Cache<BucketId, TokenBucket> buckets;
    private final Ticker ticker;

    public LocalQuotaStore(long maxBuckets, Duration idleExpiry) {
        this(maxBuckets, idleExpiry, Ticker.systemTicker());
    }

    LocalQuotaStore(long maxBuckets, Duration idleExpiry, Ticker ticker) {
        this.ticker = ticker;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxBuckets)
                .expireAfter(Expiry.accessing((BucketId id, TokenBucket bucket) ->
                        Duration.ofMillis(Math.max(id.windowMillis(), idleExpiry.toMillis()))))
                .ticker(ticker)
                .build();
    }

    private record BucketId(String key, long limit, long windowMillis) {}

    @Override
    public CompletableFuture<QuotaOutcome> take(QuotaSpec spec) {
        long now = ticker.read();
        TokenBucket bucket = buckets.get(
                new BucketId(spec.key(), spec.limit(), spec.windowMillis()),
                id -> new TokenBucket(id.limit(), id.windowMillis(), now));
        return CompletableFuture.completedFuture(bucket.take(spec.cost(), now));
    }
}
