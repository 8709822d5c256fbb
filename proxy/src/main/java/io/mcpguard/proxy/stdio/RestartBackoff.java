package io.mcpguard.proxy.stdio;

import java.time.Duration;

/**
 * How long to wait before starting a child again after it ended: {@code base} after the first failure, doubled after
 * each further one, never more than {@code max}. A child that crashes at once therefore costs a fork a minute at
 * worst, not a fork loop.
 */
record RestartBackoff(Duration base, Duration max) {

    /** The wait after {@code failures} ends in a row (1 for the first). */
    Duration after(int failures) {
        if (failures <= 0) {
            return Duration.ZERO;
        }
        int doublings = Math.min(failures - 1, 40);
        long millis = base.toMillis();
        for (int i = 0; i < doublings && millis < max.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, max.toMillis()));
    }
}
