package io.mcpguard.proxy.audit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Spots a burst of refusals for one subject: {@code threshold} denials within {@code window} — a client probing what
 * it may do, or an agent stuck retrying a forbidden call. Reported once per window per subject, on the denial that
 * reaches the threshold. Windows are fixed (they start at a subject's first denial), which is cheap and good enough
 * for an alert: a burst straddling two windows is reported when the second one fills.
 *
 * <p>Thread-safe; each call is a cache lookup and a short synchronised update.
 */
final class DenialBursts {
    private final int threshold;
    private final long windowNanos;
    private final Cache<String, Window> windows;

    DenialBursts(int threshold, Duration window) {
        this.threshold = threshold;
        this.windowNanos = window.toNanos();
        this.windows = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterAccess(window.multipliedBy(2))
                .build();
    }

    /**
     * Counts one denial for {@code subject}.
     *
     * @return the number of denials in the current window when this one reaches the threshold, else 0
     */
    int denied(String subject, long nowNanos) {
        if (subject == null) {
            return 0;
        }
        return windows.get(subject, s -> new Window(nowNanos)).count(nowNanos, threshold, windowNanos);
    }

    long windowSeconds() {
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
