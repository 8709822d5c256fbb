package io.mcpguard.proxy.audit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Spots a burst for one key: {@code threshold} within {@code window}. The audit stage counts refusals per subject
 * (a client probing what it may do, an agent stuck retrying a forbidden call), spans masked per subject (an agent
 * sweeping repositories for secrets) and authentication failures per client address (credential guessing). Reported once per window per key, on the
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
        return count(subject, nowNanos, 1);
    }

    /**
     * Counts {@code n} at once for {@code subject} (the spans masked in one answer).
     *
     * @return the count in the current window when these reach the threshold, else 0
     */
    public int count(String subject, long nowNanos, int n) {
        if (subject == null || n <= 0) {
            return 0;
        }
        return windows.get(subject, s -> new Window(nowNanos)).count(nowNanos, n, threshold, windowNanos);
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

        synchronized int count(long now, int n, int threshold, long windowNanos) {
            if (now - start > windowNanos) {
                start = now;
                count = 0;
                reported = false;
            }
            count = (int) Math.min(Integer.MAX_VALUE, (long) count + n);
            if (count >= threshold && !reported) {
                reported = true;
                return count;
            }
            return 0;
        }
    }
}
