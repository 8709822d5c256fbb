package io.mcpguard.proxy.budget;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How many of one thing (requests in flight, server streams, decisions, connections) each key — a subject, or a
 * client address before authentication — may hold at once. A key holds at most {@code perKey}; what one key holds
 * never counts against another, so no subject can use up what the others need. The global bounds live where the
 * shared resource is (the connection limit, the upstream pool, the policy engine's queue).
 *
 * <p>Keys are forgotten when they hold nothing, so the map is as large as the keys active at once.
 */
public final class ConcurrencyBudget {
    private final Budget budget;
    private final int perKey;
    private final BudgetRefusals refusals;
    private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();

    public ConcurrencyBudget(Budget budget, int perKey, BudgetRefusals refusals) {
        if (perKey < 1) {
            throw new IllegalArgumentException("a budget holds at least one: " + perKey);
        }
        this.budget = budget;
        this.perKey = perKey;
        this.refusals = refusals;
    }

    /** Takes one for {@code key}; returns the permit that gives it back, or null (counted) when it holds its all. */
    public Permit tryAcquire(String key) {
        boolean[] granted = {false};
        held.compute(key, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= perKey) {
                return n;
            }
            granted[0] = true;
            return now + 1;
        });
        if (!granted[0]) {
            refusals.refused(budget);
            return null;
        }
        return new Permit(this, key);
    }

    /** How many {@code key} holds now. */
    public int held(String key) {
        return held.getOrDefault(key, 0);
    }

    public int perKey() {
        return perKey;
    }

    public Budget budget() {
        return budget;
    }

    private void giveBack(String key) {
        held.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** One unit of a budget, given back once however many times {@link #release} is called. */
    public static final class Permit {
        private final ConcurrencyBudget budget;
        private final String key;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(ConcurrencyBudget budget, String key) {
            this.budget = budget;
            this.key = key;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                budget.giveBack(key);
            }
        }
    }
}
