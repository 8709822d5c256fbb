package io.mcpguard.proxy.audit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Spots a burst of failures for one key: {@code threshold} within {@code window}. The audit stage counts refusals
 * per subject (a client probing what it may do, an agent stuck retrying a forbidden call); the identity stage counts
 * authentication failures per client address (credential guessing). Reported once per window per key, on the
 * failure that reaches the threshold. Windows are fixed (they start at a subject's first denial), which is cheap and good enough
 * for an alert: a burst straddling two windows is reported when the second one fills.
 *
 * <p>Thread-safe; each call is a cache lookup and a short synchronised update.
 */
public final class BurstCounter {
    private final int threshold;
    private final long windowNanos;
    private final Cache<String, Window> windows;

    public BurstCounter(int threshold, Duration window) {
        this.threshold = threshold;
        this.windowNanos = window.toNanos();
        this.windows = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterAccess(window.multipliedBy(2))
                .build();
    }

    /**
     * Counts one failure for {@code subject}.
     *
     * @return the number of failures in the current window when this one reaches the threshold, else 0
     */
    public int count(String subject, long nowNanos) {
        if (subject == null) {
            return 0;
        }
        return windows.get(subject, s -> new Window(nowNanos)).count(nowNanos, threshold, windowNanos);
    }

    public long windowSeconds() {
        return Duration.ofNanos(windowNanos).toSeconds();
    }

    private static final class Window {
        private long start;
        private int count;
        private boolean reported;

        Window(long start) {
            this.start = start;
        }

        synchronized int count(long now, int threshold, long windowNanos) {
            if (now - start > windowNanos) {
                start = now;
                count = 0;
                reported = false;
            }
            count++;
            if (count >= threshold && !reported) {
                reported = true;
                return count;
            }
            return 0;
        }
    }
}
