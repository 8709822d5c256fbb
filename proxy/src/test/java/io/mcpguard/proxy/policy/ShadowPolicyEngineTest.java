package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.testing.LogCapture;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Shadow mode alone: the enforced decision is what passes, the candidate's is only compared, counted and logged,
 * and the candidate's cost is bounded by the sample and the concurrency limit. Both engines are stand-ins that
 * answer fixed documents: the comparison, not a policy, is under test.
 */
class ShadowPolicyEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final SdkMeterProvider meters =
            SdkMeterProvider.builder().registerMetricReader(metrics).build();

    @AfterEach
    void close() {
        meters.close();
    }

    /** An engine answering {@code allow} with {@code reasons}, counting its calls and closes. */
    private static final class Fixed implements PolicyEngine {
        final AtomicInteger decided = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        private final CompletableFuture<Decision> answer;

        Fixed(CompletableFuture<Decision> answer) {
            this.answer = answer;
        }

        Fixed(boolean allow, String... reasons) {
            this(CompletableFuture.completedFuture(decision(allow, "rev-" + allow, reasons)));
        }

        @Override
        public CompletableFuture<Decision> decide(PolicyInput input) {
            decided.incrementAndGet();
            return answer;
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    private static Decision decision(boolean allow, String revision, String... reasons) {
        ObjectNode result = JSON.createObjectNode().put("allow", allow);
        result.putArray("reasons")
                .addAll(java.util.Arrays.stream(reasons)
                        .map(JSON.getNodeFactory()::textNode)
                        .toList());
        return new Decision(
                allow, List.of(reasons), List.of(), null, null, "normal", 0, null, "d-42", revision, (JsonNode) result);
    }

    private ShadowPolicyEngine shadow(PolicyEngine enforced, PolicyEngine candidate, int percent, int concurrent) {
        return new ShadowPolicyEngine(enforced, candidate, percent, concurrent, meters.get("test"));
    }

    /** The counter's value per value of {@code attribute}. */
    private Map<String, Long> counts(String metric, String attribute) {
        Map<String, Long> counts = new TreeMap<>();
        for (MetricData data : metrics.collectAllMetrics()) {
            if (data.getName().equals(metric)) {
                for (LongPointData point : data.getLongSumData().getPoints()) {
                    counts.put(point.getAttributes().get(AttributeKey.stringKey(attribute)), point.getValue());
                }
            }
        }
        return counts;
    }

    private Map<String, Long> evaluations() {
        return counts("mcp.policy.shadow.evaluations", "mcp.policy.shadow.result");
    }

    @Test
    void a_candidate_that_agrees_is_counted_as_agreeing_and_the_enforced_decision_passes() {
        Fixed enforced = new Fixed(true);
        Fixed candidate = new Fixed(true);
        try (ShadowPolicyEngine engine = shadow(enforced, candidate, 100, 4)) {
            Decision decided = engine.decide(null).join();

            assertThat(decided.allow()).isTrue();
            assertThat(decided.revision()).isEqualTo("rev-true");
            ShadowVerdict verdict = decided.shadow().join();
            assertThat(verdict.result()).isEqualTo(ShadowVerdict.Result.AGREE);
            assertThat(verdict.kinds()).isEmpty();
            assertThat(verdict.allow()).isTrue();
            assertThat(verdict.revision()).isEqualTo("rev-true");
            assertThat(evaluations()).containsExactly(Map.entry("agree", 1L));
            assertThat(counts("mcp.policy.shadow.disagreements", "mcp.policy.shadow.kind"))
                    .as("every kind exists from the start, at zero")
                    .containsOnlyKeys(DecisionDiff.KINDS)
                    .allSatisfy((kind, n) -> assertThat(n).isZero());
        }
        assertThat(enforced.closed).hasValue(1);
        assertThat(candidate.closed).hasValue(1);
    }

    @Test
    void a_candidate_that_would_deny_is_counted_and_logged_by_kind_but_the_message_is_still_allowed() {
        try (ShadowPolicyEngine engine = shadow(new Fixed(true), new Fixed(false, "not in the candidate"), 100, 4);
                LogCapture logs = new LogCapture(ShadowPolicyEngine.class.getName())) {
            Decision decided = engine.decide(null).join();

            assertThat(decided.allow()).as("the enforced policy decides").isTrue();
            ShadowVerdict verdict = decided.shadow().join();
            assertThat(verdict.result()).isEqualTo(ShadowVerdict.Result.DISAGREE);
            assertThat(verdict.kinds()).containsExactly("allow_to_deny", "reasons");
            assertThat(verdict.allow()).isFalse();
            assertThat(verdict.reasons()).containsExactly("not in the candidate");
            assertThat(verdict.revision()).isEqualTo("rev-false");
            assertThat(evaluations()).containsExactly(Map.entry("disagree", 1L));
            assertThat(counts("mcp.policy.shadow.disagreements", "mcp.policy.shadow.kind"))
                    .containsEntry("allow_to_deny", 1L)
                    .containsEntry("reasons", 1L)
                    .containsEntry("deny_to_allow", 0L);
            assertThat(logs.lines())
                    .singleElement()
                    .satisfies(line -> assertThat(line.text())
                            .contains("event.name=policy.shadow_disagreement")
                            .contains("decision_id=d-42")
                            .contains("enforced_allow=true")
                            .contains("shadow_allow=false"));
        }
    }

    @Test
    void a_candidate_that_fails_or_throws_is_counted_as_failed_and_never_fails_the_message() {
        Fixed failing = new Fixed(CompletableFuture.failedFuture(new PolicyUnavailableException("candidate down")));
        PolicyEngine throwing = new PolicyEngine() {
            @Override
            public CompletableFuture<Decision> decide(PolicyInput input) {
                throw new IllegalStateException("candidate bug");
            }

            @Override
            public void close() {}
        };
        try (ShadowPolicyEngine engine = shadow(new Fixed(false), failing, 100, 1);
                ShadowPolicyEngine other = shadow(new Fixed(false), throwing, 100, 1)) {
            for (ShadowPolicyEngine e : List.of(engine, other, engine)) {
                Decision decided = e.decide(null).join();
                assertThat(decided.allow()).isFalse();
                assertThat(decided.shadow().join()).isEqualTo(ShadowVerdict.failed());
            }
            assertThat(evaluations())
                    .as("a failed candidate gives its slot back: the third decision was compared, not skipped")
                    .containsExactly(Map.entry("failed", 3L));
        }
    }

    @Test
    void an_enforced_decision_that_fails_fails_the_message_whatever_the_candidate_says() {
        Fixed enforced = new Fixed(CompletableFuture.failedFuture(new PolicyUnavailableException("opa down")));
        try (ShadowPolicyEngine engine = shadow(enforced, new Fixed(true), 100, 1)) {
            assertThatThrownBy(() -> engine.decide(null).join()).hasCauseInstanceOf(PolicyUnavailableException.class);
            assertThat(evaluations()).containsExactly(Map.entry("failed", 1L));
        }
    }

    @Test
    void unsampled_decisions_and_those_over_the_concurrency_limit_are_skipped_never_queued() {
        Fixed candidate = new Fixed(new CompletableFuture<>()); // never answers: holds its slot
        try (ShadowPolicyEngine none = shadow(new Fixed(true), new Fixed(false), 0, 4);
                ShadowPolicyEngine one = shadow(new Fixed(true), candidate, 100, 1)) {
            Decision unsampled = none.decide(null).join();
            assertThat(unsampled.shadow()).as("not sampled: no verdict").isNull();

            Decision first = one.decide(null).join();
            Decision second = one.decide(null).join();
            assertThat(first.shadow()).isNotNull().isNotDone();
            assertThat(second.shadow()).as("the one slot is taken: skipped").isNull();
            assertThat(second.allow()).isTrue();
            assertThat(candidate.decided).as("the candidate was asked once").hasValue(1);
            assertThat(evaluations()).containsExactly(Map.entry("skipped", 2L));
        }
    }
}
