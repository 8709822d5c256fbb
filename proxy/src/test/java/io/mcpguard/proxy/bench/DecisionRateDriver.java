package io.mcpguard.proxy.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.policy.CachingPolicyEngine;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.OpaPolicyEngine;
import io.mcpguard.proxy.policy.PolicyEngine;
import io.mcpguard.proxy.policy.PolicyInput;
import io.mcpguard.proxy.policy.ShadowPolicyEngine;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.TransportFacts;
import io.mcpguard.proxy.testing.OpaProcess;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * Load driver: policy decisions per second and their latency, asked of a real OPA (the repository's policies, over
 * loopback) through the proxy's {@link OpaPolicyEngine}, first without and then with the decision cache in front.
 * {@code -Dclients} closed-loop clients each keep one decision in flight; inputs rotate over {@code -Dsubjects}
 * developers of workspace acme calling a read tool, so a cached run has that many misses and then hits (the
 * realistic steady state of one agent session repeating calls). Bounded by {@code -Ddecisions}. Then shadow mode's
 * cost: the enforced decisions with a candidate (the same policy, so every verdict agrees) asked beside them for
 * all of them and for a 10 % sample, at most 8 candidate decisions at once.
 *
 * <p>Run: {@code scripts/bench-decisions.sh [decisions] [clients] [subjects]}.
 */
public final class DecisionRateDriver {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.concurrent.ExecutorService TRAMPOLINE =
            java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "bench-client");
                t.setDaemon(true);
                return t;
            });

    private DecisionRateDriver() {}

    public static void main(String[] args) throws Exception {
        int decisions = Integer.getInteger("decisions", 20_000);
        int clients = Integer.getInteger("clients", 4);
        int subjects = Integer.getInteger("subjects", 50);
        int warmup = Integer.getInteger("warmup", 5_000);
        List<PolicyInput> inputs = inputs(subjects);
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try (OpaProcess opa = OpaProcess.startWithRepoPolicies()) {
            ProxyConfig config = ProxyConfig.parse(
                    "opa:\n  url: " + opa.url() + "\n  timeout: 2s\n  max-connections: 32\n", Map.of());
            System.out.printf(
                    "%npolicy decisions, real OPA over loopback: %d decisions per run after %d warm-up, %d client(s),"
                            + " %d distinct inputs%n",
                    decisions, warmup, clients, subjects);
            System.out.printf(
                    "%-12s %12s %9s %9s %9s %9s%n", "engine", "decisions/s", "p50 µs", "p99 µs", "p99.9 µs", "max µs");
            try (OpaPolicyEngine direct = new OpaPolicyEngine(config.opa(), loops, JSON)) {
                run("opa", direct, inputs, warmup, decisions, clients);
            }
            OpaPolicyEngine behind = new OpaPolicyEngine(config.opa(), loops, JSON);
            try (CachingPolicyEngine cached = new CachingPolicyEngine(
                    behind,
                    10_000,
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(1),
                    behind::currentRevision,
                    loops.next())) {
                run("opa + cache", cached, inputs, warmup, decisions, clients);
                System.out.printf("cache: %d hits, %d misses%n", cached.hits(), cached.misses());
            }
            for (int percent : new int[] {100, 10}) {
                try (ShadowPolicyEngine shadowed = new ShadowPolicyEngine(
                        new OpaPolicyEngine(config.opa(), loops, JSON),
                        new OpaPolicyEngine(config.opa(), loops, JSON),
                        percent,
                        8,
                        io.opentelemetry.api.metrics.MeterProvider.noop().get("bench"))) {
                    run("opa+shadow" + percent, shadowed, inputs, warmup, decisions, clients);
                }
            }
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        System.exit(0);
    }

    private static void run(
            String name, PolicyEngine engine, List<PolicyInput> inputs, int warmup, int count, int clients)
            throws Exception {
        measure(engine, inputs, warmup, clients, new Histogram(3_600_000_000L, 3));
        Histogram latency = new Histogram(3_600_000_000L, 3);
        long start = System.nanoTime();
        measure(engine, inputs, count, clients, latency);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "%-12s %12.0f %9d %9d %9d %9d%n",
                name,
                count / seconds,
                latency.getValueAtPercentile(50),
                latency.getValueAtPercentile(99),
                latency.getValueAtPercentile(99.9),
                latency.getMaxValue());
    }

    /** {@code clients} closed loops sharing {@code count} decisions; records each decision's latency in µs. */
    private static void measure(
            PolicyEngine engine, List<PolicyInput> inputs, int count, int clients, Histogram latency) throws Exception {
        AtomicInteger issued = new AtomicInteger();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            next(engine, inputs, count, issued, latency, done);
            loops.add(done);
        }
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
    }

    private static void next(
            PolicyEngine engine,
            List<PolicyInput> inputs,
            int count,
            AtomicInteger issued,
            Histogram latency,
            CompletableFuture<Void> done) {
        int n = issued.getAndIncrement();
        if (n >= count) {
            done.complete(null);
            return;
        }
        long start = System.nanoTime();
        // Async on a trampoline: a cache hit completes at once, and chaining it synchronously would recurse deeply.
        engine.decide(inputs.get(n % inputs.size()))
                .whenCompleteAsync(
                        (Decision decision, Throwable failure) -> {
                            try {
                                if (failure != null || !decision.allow()) {
                                    done.completeExceptionally(
                                            failure != null
                                                    ? failure
                                                    : new IllegalStateException("denied: " + decision.reasons()));
                                    return;
                                }
                                synchronized (latency) {
                                    latency.recordValue((System.nanoTime() - start) / 1_000);
                                }
                                next(engine, inputs, count, issued, latency, done);
                            } catch (RuntimeException e) {
                                done.completeExceptionally(e);
                            }
                        },
                        TRAMPOLINE);
    }

    private static List<PolicyInput> inputs(int subjects) throws Exception {
        JsonRpcMessage call = new JsonRpcDecoder(64, 1 << 20, 32)
                .decode(
                        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_repository\","
                                        + "\"arguments\":{\"workspace\":\"acme\",\"repo\":\"payments-api\"}}}")
                                .getBytes(StandardCharsets.UTF_8))
                .messages()
                .get(0);
        TransportFacts facts = new TransportFacts("127.0.0.1", false, "POST", "/mcp", "s-1", "2025-11-25", 1);
        List<PolicyInput> inputs = new ArrayList<>();
        for (int i = 0; i < subjects; i++) {
            Subject developer = new Subject(
                    "dev-" + i,
                    true,
                    "jwt",
                    List.of("developer@acme/*"),
                    List.of(),
                    null,
                    List.of("pwd"),
                    null,
                    null,
                    "ide");
            inputs.add(new PolicyInput(developer, call, facts));
        }
        return inputs;
    }
}
