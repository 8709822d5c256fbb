package io.mcpguard.proxy.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Open-loop load driver (what wrk2 does, which Debian does not ship): {@code tools/call} at a fixed rate with
 * different arguments on every call, first straight to the upstream, then through the proxy, and prints p50/p99 of
 * each and what the proxy adds. Latency is measured from the moment a call was due, not from when it was sent, so a
 * stall counts against every call it delayed (no coordinated omission). Every answer must be a JSON-RPC result: a
 * denial or an error fails the run instead of flattering it.
 *
 * <p>Run by {@code scripts/bench-throughput.sh}: {@code -Ddirect=URL -Dproxy=URL -DapiKey=KEY -Drate=1000
 * -Dseconds=20 -Dwarmup=5}.
 */
public final class FixedRateDriver {
    private FixedRateDriver() {}

    public static void main(String[] args) throws Exception {
        int rate = Integer.getInteger("rate", 1000);
        int seconds = Integer.getInteger("seconds", 20);
        int warmup = Integer.getInteger("warmup", 5);
        String apiKey = System.getProperty("apiKey", "");
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        Histogram direct = run(http, System.getProperty("direct"), "", rate, warmup, seconds, "d");
        Histogram proxied = run(http, System.getProperty("proxy"), apiKey, rate, warmup, seconds, "p");
        System.out.printf(
                "%nfixed rate %d calls/s, every call with different arguments, %d s per path (after %d s warm-up)%n",
                rate, seconds, warmup);
        System.out.printf("%-8s %8s %8s %8s %8s %8s%n", "path", "calls", "p50 ms", "p90 ms", "p99 ms", "max ms");
        print("direct", direct);
        print("proxy", proxied);
        System.out.printf(
                "ADDED p50 %.3f ms p99 %.3f ms%n",
                (proxied.getValueAtPercentile(50) - direct.getValueAtPercentile(50)) / 1e3,
                (proxied.getValueAtPercentile(99) - direct.getValueAtPercentile(99)) / 1e3);
        System.exit(0); // HttpClient's selector thread is not a daemon everywhere
    }

    private static Histogram run(
            HttpClient http, String url, String apiKey, int rate, int warmup, int seconds, String tag)
            throws Exception {
        if (url == null) {
            throw new IllegalArgumentException("-Ddirect and -Dproxy are required");
        }
        Recorder recorder = new Recorder(3);
        AtomicLong failures = new AtomicLong();
        AtomicLong answered = new AtomicLong();
        long period = 1_000_000_000L / rate;
        long total = (long) rate * (warmup + seconds);
        long recordFrom = (long) rate * warmup;
        long start = System.nanoTime() + 50_000_000L;
        for (long i = 0; i < total; i++) {
            long due = start + i * period;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            if (i == recordFrom) {
                recorder.reset();
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .header("MCP-Protocol-Version", "2025-11-25")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                                            + "\"params\":{\"name\":\"get_repository\",\"arguments\":{\"workspace\":\"acme\","
                                            + "\"repo\":\"rate-%s-%d\"}}}")
                                    .formatted(tag, i)));
            if (!apiKey.isEmpty()) {
                request.header("Authorization", "Bearer " + apiKey);
            }
            http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                    .handle((response, error) -> {
                        long micros = (System.nanoTime() - due) / 1_000;
                        if (error != null
                                || response.statusCode() != 200
                                || !response.body().contains("\"result\"")) {
                            if (failures.getAndIncrement() == 0) {
                                System.err.println("not a result from " + url + ": "
                                        + (error != null ? error : response.statusCode() + " " + response.body()));
                            }
                        } else {
                            recorder.recordValue(Math.max(1, micros));
                        }
                        answered.incrementAndGet();
                        return null;
                    });
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (answered.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        if (answered.get() < total) {
            throw new IllegalStateException((total - answered.get()) + " calls to " + url + " never answered");
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " calls to " + url + " did not answer a result");
        }
        return recorder.getIntervalHistogram();
    }

    private static void print(String path, Histogram h) {
        System.out.printf(
                "%-8s %8d %8.3f %8.3f %8.3f %8.3f%n",
                path,
                h.getTotalCount(),
                h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(90) / 1e3,
                h.getValueAtPercentile(99) / 1e3,
                h.getMaxValue() / 1e3);
    }
}
