package io.mcpguard.proxy.bench;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.policy.Decision.QuotaSpec;
import io.mcpguard.proxy.quota.LocalQuotaStore;
import io.mcpguard.proxy.quota.QuotaStore;
import io.mcpguard.proxy.quota.RedisQuotaStore;
import io.mcpguard.proxy.testing.RedisProcess;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Load driver: what one quota take costs in Redis ({@link RedisQuotaStore}, a real redis-server on loopback) against
 * this process's buckets ({@link LocalQuotaStore}). For each store it prints the latency of one take at a time
 * (p50/p99/max, µs) and the throughput with {@code -Dinflight} takes outstanding, over {@code -Dsubjects} buckets.
 * Loopback hides the network: a Redis one zone away adds its round trip (typically 0.2–1 ms) to the p50.
 *
 * <p>Run: {@code scripts/bench-quota.sh [takes] [inflight]}.
 */
public final class QuotaStoreCostDriver {
    private QuotaStoreCostDriver() {}

    public static void main(String[] args) throws Exception {
        int takes = Integer.getInteger("takes", 50_000);
        int inflight = Integer.getInteger("inflight", 64);
        int subjects = Integer.getInteger("subjects", 1_000);
        QuotaSpec[] specs = new QuotaSpec[subjects];
        for (int i = 0; i < subjects; i++) {
            specs[i] = new QuotaSpec("[[\"subject\",\"acme\",\"u-" + i + "\"],\"read\"]", 1_000_000_000, 60_000, 1);
        }
        try (RedisProcess redis = RedisProcess.started();
                LocalQuotaStore local = new LocalQuotaStore(100_000, Duration.ofHours(1));
                RedisQuotaStore shared = new RedisQuotaStore(
                        new ProxyConfig.Quota.Redis(URI.create(redis.url()), null, null, Duration.ofSeconds(2)),
                        new LocalQuotaStore(100_000, Duration.ofHours(1)),
                        OpenTelemetry.noop().getMeter("bench"))) {
            System.out.printf("%nquota take cost: %d takes over %d buckets, loopback redis-server%n", takes, subjects);
            System.out.printf(
                    "%-7s %10s %10s %10s %16s%n", "store", "p50 µs", "p99 µs", "max µs", "takes/s @" + inflight);
            for (int round = 0; round < 2; round++) { // round 0 warms up the JIT and the connection
                Row localRow = measure(local, specs, takes, inflight);
                Row redisRow = measure(shared, specs, takes, inflight);
                if (round == 1) {
                    localRow.print("local");
                    redisRow.print("redis");
                    System.out.printf(
                            "added per call by redis: p50 %+.1f µs, p99 %+.1f µs%n",
                            redisRow.p50 - localRow.p50, redisRow.p99 - localRow.p99);
                }
            }
            if (shared.denied() > 0) {
                throw new IllegalStateException(shared.denied() + " takes failed: the figures are not valid");
            }
        }
    }

    private record Row(double p50, double p99, double max, double perSecond) {
        void print(String name) {
            System.out.printf("%-7s %10.1f %10.1f %10.1f %16.0f%n", name, p50, p99, max, perSecond);
        }
    }

    private static Row measure(QuotaStore store, QuotaSpec[] specs, int takes, int inflight) throws Exception {
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        for (int i = 0; i < takes; i++) {
            long start = System.nanoTime();
            if (!store.take(specs[i % specs.length]).get(10, TimeUnit.SECONDS).granted()) {
                throw new IllegalStateException("a take was refused: the figures are not of the grant path");
            }
            latency.recordValue(System.nanoTime() - start);
        }
        Semaphore window = new Semaphore(inflight);
        CompletableFuture<?>[] all = new CompletableFuture<?>[takes];
        long start = System.nanoTime();
        for (int i = 0; i < takes; i++) {
            window.acquire();
            all[i] = store.take(specs[i % specs.length]).whenComplete((o, e) -> window.release());
        }
        CompletableFuture.allOf(all).get(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Row(
                latency.getValueAtPercentile(50) / 1e3,
                latency.getValueAtPercentile(99) / 1e3,
                latency.getMaxValue() / 1e3,
                takes / seconds);
    }
}
