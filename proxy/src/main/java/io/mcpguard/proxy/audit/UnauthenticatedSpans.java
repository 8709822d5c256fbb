package io.mcpguard.proxy.audit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * Which requests refused before authentication leave a span. Each is counted either way (the request metric, the
 * burst detector), but a span takes room in the batch queue and the spool that the evidence of authenticated traffic
 * needs; without a bound, a flood of bad tokens while the collector is away would push that evidence out of the
 * spool. So the unauthenticated get a share: the first {@code perAddress} a minute from each client address, at most
 * {@code perSecond} a second from all addresses together, and none while the spool's spans fill more than {@code
 * spoolShare} of it.
 *
 * <p>Called on event loops: a map lookup and a few field updates; the spool's fill is read from what its own thread
 * last measured.
 */
final class UnauthenticatedSpans {
    private static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Addresses remembered; past it the least recent are forgotten, and the global rate still holds. */
    private static final int ADDRESSES = 100_000;

    private final int perAddress;
    private final int perSecond;
    private final double spoolShare;
    private final DoubleSupplier spoolFill;
    private final Cache<String, Window> addresses;
    private long secondStartNanos;
    private int inSecond;

    /**
     * @param spoolFill the fraction of the spans' spool in use, 0 when there is no spool
     */
    UnauthenticatedSpans(int perAddress, int perSecond, double spoolShare, DoubleSupplier spoolFill) {
        this.perAddress = perAddress;
        this.perSecond = perSecond;
        this.spoolShare = spoolShare;
        this.spoolFill = spoolFill;
        this.addresses = Caffeine.newBuilder()
                .maximumSize(ADDRESSES)
                .expireAfterAccess(2, TimeUnit.MINUTES)
                .build();
    }

    /** Whether a refusal of a request from {@code clientAddress} at {@code nowNanos} gets a span. */
    boolean admit(String clientAddress, long nowNanos) {
        if (spoolFill.getAsDouble() >= spoolShare) {
            return false;
        }
        Window window = addresses.get(String.valueOf(clientAddress), a -> new Window(nowNanos));
        if (!window.take(nowNanos, perAddress)) {
            return false;
        }
        return takeGlobal(nowNanos);
    }

    private synchronized boolean takeGlobal(long nowNanos) {
        if (nowNanos - secondStartNanos >= SECOND_NANOS) {
            secondStartNanos = nowNanos;
            inSecond = 0;
        }
        if (inSecond >= perSecond) {
            return false;
        }
        inSecond++;
        return true;
    }

    /** A fixed one-minute window of one address. */
    private static final class Window {
        private long startNanos;
        private int taken;

        Window(long startNanos) {
            this.startNanos = startNanos;
        }

        synchronized boolean take(long nowNanos, int limit) {
            if (nowNanos - startNanos >= MINUTE_NANOS) {
                startNanos = nowNanos;
                taken = 0;
            }
            if (taken >= limit) {
                return false;
            }
            taken++;
            return true;
        }
    }
}
