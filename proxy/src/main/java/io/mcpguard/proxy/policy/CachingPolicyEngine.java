package io.mcpguard.proxy.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reuses decisions for identical inputs, as long as the policy said it may ({@code cache_ttl_ms}; 0 = never) and
 * the policy revision that made them is still the one OPA runs.
 *
 * <p>Keys are {@link CanonicalInput} hashes. The cache is bounded in entries and in time ({@code max-ttl} caps what a
 * policy asks for). Every decision OPA returns names its revision; when it differs from the one last seen, every
 * cached decision is dropped. Because a cache hit never reaches OPA, the revision is also checked on a timer, so a
 * new policy takes effect within {@code revision-check-interval} even for inputs that only ever hit the cache.
 * Failures are never cached.
 */
public final class CachingPolicyEngine implements PolicyEngine {
    private static final Logger log = LoggerFactory.getLogger(CachingPolicyEngine.class);

    private final PolicyEngine delegate;
    private final Cache<String, Decision> cache;
    private final Supplier<CompletableFuture<String>> revisionProbe;
    private final ScheduledFuture<?> revisionCheck;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private volatile String revision;

    /**
     * @param delegate the engine asked on a miss
     * @param maxEntries bound on cached decisions
     * @param maxTtl upper bound on any decision's lifetime in the cache, whatever the policy asked
     * @param revisionCheckInterval how often to ask for the policy revision (null or zero: never)
     * @param revisionProbe asks the engine which revision it runs
     * @param timer runs the revision check; it only starts asynchronous work
     */
    public CachingPolicyEngine(
            PolicyEngine delegate,
            long maxEntries,
            Duration maxTtl,
            Duration revisionCheckInterval,
            Supplier<CompletableFuture<String>> revisionProbe,
            ScheduledExecutorService timer) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.revisionProbe = revisionProbe;
        long maxTtlNanos = maxTtl.toNanos();
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfter(new Expiry<String, Decision>() {
                    @Override
                    public long expireAfterCreate(String key, Decision decision, long now) {
                        return Math.min(maxTtlNanos, TimeUnit.MILLISECONDS.toNanos(decision.cacheTtlMillis()));
                    }

                    @Override
                    public long expireAfterUpdate(String key, Decision decision, long now, long remaining) {
                        return expireAfterCreate(key, decision, now);
                    }

                    @Override
                    public long expireAfterRead(String key, Decision decision, long now, long remaining) {
                        return remaining;
                    }
                })
                .build();
        if (revisionCheckInterval != null && !revisionCheckInterval.isZero() && revisionProbe != null) {
            long every = revisionCheckInterval.toMillis();
            this.revisionCheck = timer.scheduleWithFixedDelay(this::checkRevision, every, every, TimeUnit.MILLISECONDS);
        } else {
            this.revisionCheck = null;
        }
    }

    @Override
    public CompletableFuture<Decision> decide(PolicyInput input) {
        String key = CanonicalInput.key(input.toJson());
        Decision cached = cache.getIfPresent(key);
        if (cached != null && Objects.equals(cached.revision(), revision)) {
            hits.incrementAndGet();
            return CompletableFuture.completedFuture(cached);
        }
        misses.incrementAndGet();
        return delegate.decide(input).thenApply(decision -> {
            observe(decision.revision());
            if (decision.cacheTtlMillis() > 0 && Objects.equals(decision.revision(), revision)) {
                cache.put(key, decision);
            }
            return decision;
        });
    }

    /** Decisions answered from the cache so far. */
    public long hits() {
        return hits.get();
    }

    /** Decisions that had to be asked of the engine so far. */
    public long misses() {
        return misses.get();
    }

    /** The policy revision last seen, or null. */
    public String revision() {
        return revision;
    }

    private void checkRevision() {
        revisionProbe.get().whenComplete((seen, failure) -> {
            if (failure == null) {
                observe(seen);
            }
        });
    }

    private synchronized void observe(String seen) {
        if (!Objects.equals(seen, revision)) {
            if (revision != null) {
                log.atInfo()
                        .addKeyValue("from", revision)
                        .addKeyValue("to", seen)
                        .log("policy revision changed; cached decisions dropped");
            }
            revision = seen;
            cache.invalidateAll();
        }
    }

    @Override
    public void close() {
        if (revisionCheck != null) {
            revisionCheck.cancel(false);
        }
        cache.invalidateAll();
        delegate.close();
    }
}
