package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.testing.LogCapture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The decision cache alone, in front of a stand-in engine whose answers the test sets (the cache, not a policy, is
 * under test; {@code DecisionCacheTest} runs it in front of the real OPA): what is kept, for how long, and when a new
 * policy revision drops it.
 */
class CachingPolicyEngineTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    /** Answers with the revision and TTL the test sets; counts what it was asked and whether it was closed. */
    private static final class Scripted implements PolicyEngine {
        final AtomicInteger asked = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        volatile String revision = "r1";
        volatile long ttlMillis = 60_000;
        volatile boolean fail;

        @Override
        public CompletableFuture<Decision> decide(PolicyInput input) {
            int n = asked.incrementAndGet();
            if (fail) {
                return CompletableFuture.failedFuture(new PolicyUnavailableException("down"));
            }
            return CompletableFuture.completedFuture(new Decision(
                    true, List.of(), List.of(), null, null, "normal", ttlMillis, null, "d-" + n, revision, null));
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    private static PolicyInput call(String tool) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\"}}";
        return new PolicyInput(
                new Subject(
                        "alice", true, "jwt", List.of("viewer"), List.of(), "acme", List.of("pwd"), null, null, null),
                new JsonRpcDecoder(64, 1 << 20, 32)
                        .decode(body.getBytes(StandardCharsets.UTF_8))
                        .messages()
                        .get(0),
                new TransportFacts("127.0.0.1", false, "POST", "/mcp", null, null, 1));
    }

    private CachingPolicyEngine cache(Scripted engine, Duration check, Supplier<CompletableFuture<String>> probe) {
        return new CachingPolicyEngine(engine, 100, Duration.ofMinutes(5), check, probe, timer);
    }

    @Test
    void a_decision_with_a_ttl_is_answered_again_and_one_without_is_asked_every_time() throws Exception {
        Scripted engine = new Scripted();
        try (CachingPolicyEngine cache = cache(engine, null, null)) {
            assertThat(cache.decide(call("read")).join().decisionId()).isEqualTo("d-1");
            assertThat(cache.decide(call("read")).join().decisionId())
                    .as("from the cache")
                    .isEqualTo("d-1");
            assertThat(cache.decide(call("write")).join().decisionId())
                    .as("another question")
                    .isEqualTo("d-2");
            assertThat(cache.hits()).isEqualTo(1);
            assertThat(cache.misses()).isEqualTo(2);
            assertThat(cache.revision()).isEqualTo("r1");

            engine.ttlMillis = 0;
            assertThat(cache.decide(call("list")).join().decisionId()).isEqualTo("d-3");
            assertThat(cache.decide(call("list")).join().decisionId()).isEqualTo("d-4");
            assertThat(engine.asked).hasValue(4);
        }
        assertThat(engine.closed).hasValue(1);
    }

    @Test
    void a_failure_is_never_cached() throws Exception {
        Scripted engine = new Scripted();
        try (CachingPolicyEngine cache = cache(engine, Duration.ZERO, () -> CompletableFuture.completedFuture("r1"))) {
            engine.fail = true;
            assertThatThrownBy(() -> cache.decide(call("read")).join())
                    .hasCauseInstanceOf(PolicyUnavailableException.class);
            engine.fail = false;
            assertThat(cache.decide(call("read")).join().decisionId()).isEqualTo("d-2");
            assertThat(cache.misses()).isEqualTo(2);
        }
    }

    @Test
    void a_decision_of_a_new_revision_drops_what_the_old_one_decided() throws Exception {
        Scripted engine = new Scripted();
        try (CachingPolicyEngine cache = cache(engine, null, null);
                LogCapture logs = new LogCapture(CachingPolicyEngine.class.getName())) {
            cache.decide(call("read")).join();
            cache.decide(call("write")).join();

            engine.revision = "r2";
            engine.ttlMillis = 0;
            assertThat(cache.decide(call("write")).join().revision())
                    .as("a hit: the cache has not seen r2 yet")
                    .isEqualTo("r1");
            assertThat(cache.decide(call("list")).join().revision())
                    .as("a miss answered by r2, which drops what r1 decided")
                    .isEqualTo("r2");
            assertThat(cache.revision()).isEqualTo("r2");
            assertThat(cache.decide(call("read")).join().revision())
                    .as("r1's cached answer is gone")
                    .isEqualTo("r2");
            assertThat(logs.lines())
                    .singleElement()
                    .satisfies(line -> assertThat(line.text())
                            .contains("policy revision changed; cached decisions dropped")
                            .contains("from=r1")
                            .contains("to=r2"));
        }
    }

    @Test
    void the_revision_probe_drops_the_cache_when_the_policy_changed_even_without_a_miss() throws Exception {
        Scripted engine = new Scripted();
        AtomicReference<CompletableFuture<String>> probed =
                new AtomicReference<>(CompletableFuture.completedFuture("r1"));
        try (CachingPolicyEngine cache = cache(engine, Duration.ofMillis(10), probed::get)) {
            cache.decide(call("read")).join();
            assertThat(cache.decide(call("read")).join().decisionId()).isEqualTo("d-1");

            probed.set(CompletableFuture.failedFuture(new PolicyUnavailableException("probe failed")));
            Thread.sleep(50); // several failed probes: they change nothing
            assertThat(cache.revision()).isEqualTo("r1");
            assertThat(cache.decide(call("read")).join().decisionId()).isEqualTo("d-1");

            engine.revision = "r2";
            probed.set(CompletableFuture.completedFuture("r2"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!"r2".equals(cache.revision()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(cache.revision()).isEqualTo("r2");
            assertThat(cache.decide(call("read")).join().decisionId()).isEqualTo("d-2");
        }
    }

    @Test
    void no_probe_runs_without_an_interval_or_a_probe() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        Supplier<CompletableFuture<String>> probe = () -> {
            probes.incrementAndGet();
            return CompletableFuture.completedFuture("r9");
        };
        try (CachingPolicyEngine none = cache(new Scripted(), null, probe);
                CachingPolicyEngine zero = cache(new Scripted(), Duration.ZERO, probe);
                CachingPolicyEngine noProbe = cache(new Scripted(), Duration.ofMillis(5), null);
                CachingPolicyEngine probing = cache(new Scripted(), Duration.ofMillis(5), probe)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (probing.revision() == null && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(probing.revision()).isEqualTo("r9");
            assertThat(none.revision()).isNull();
            assertThat(zero.revision()).isNull();
            assertThat(noProbe.revision()).isNull();
        }
        Thread.sleep(20); // a probe running at the close may still finish
        int after = probes.get();
        Thread.sleep(50);
        assertThat(probes.get()).as("closing stops the probe").isEqualTo(after);
    }
}
