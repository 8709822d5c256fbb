package io.mcpguard.proxy.quota;

/**
 * A token bucket of {@code capacity} tokens refilled continuously at {@code capacity / window}: a full bucket lets a
 * burst of {@code capacity} through, after which calls pass at the average rate. Thread-safe; each take costs a
 * lock held for a few arithmetic operations.
 */
final class TokenBucket {
    private final long capacity;
    private final double tokensPerNano;
    private double tokens;
    private long updatedNanos;

    TokenBucket(long capacity, long windowMillis, long nowNanos) {
        this.capacity = capacity;
        this.tokensPerNano = (double) capacity / (windowMillis * 1_000_000.0);
        this.tokens = capacity;
        this.updatedNanos = nowNanos;
    }

    synchronized QuotaOutcome take(long cost, long nowNanos) {
        long elapsed = Math.max(0, nowNanos - updatedNanos);
        tokens = Math.min(capacity, tokens + elapsed * tokensPerNano);
        updatedNanos = nowNanos;
        if (cost <= tokens) {
            tokens -= cost;
            return new QuotaOutcome(true, (long) Math.floor(tokens), 0);
        }
        if (cost > capacity) { // can never pass: say when a full bucket would be back, and keep refusing
            return new QuotaOutcome(false, (long) Math.floor(tokens), (long) Math.ceil(capacity / tokensPerNano / 1e6));
        }
        double missingNanos = (cost - tokens) / tokensPerNano;
        return new QuotaOutcome(false, (long) Math.floor(tokens), Math.max(1, (long) Math.ceil(missingNanos / 1e6)));
    }
}
