package io.mcpguard.proxy.quota;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.Decision.QuotaSpec;
import io.mcpguard.proxy.policy.GateVerdict;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The quota stage: one take per decided message, and the refusals a body gets when a bucket is empty or mute. */
class QuotaGateTest {
    private final LocalQuotaStore local = new LocalQuotaStore(100, Duration.ofMinutes(1));
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static JsonRpcMessage call(int id, String tool) {
        return new JsonRpcMessage(JsonRpcMessage.Kind.REQUEST, IntNode.valueOf(id), "tools/call", null, null);
    }

    private static Decision allow(QuotaSpec quota) {
        return new Decision(true, List.of(), List.of(), quota, null, "full", 0, null, null, null, null);
    }

    private static GateVerdict.Outcome outcome(int id, QuotaSpec quota) {
        return new GateVerdict.Outcome(call(id, "t"), allow(quota), null);
    }

    private static GateVerdict verdict(GateVerdict.Outcome... outcomes) {
        return new GateVerdict(Arrays.asList(outcomes));
    }

    private static QuotaSpec bucket(String key, long limit) {
        return new QuotaSpec(key, limit, 60_000, 1);
    }

    @Test
    void a_body_within_its_quotas_gets_no_refusal_and_each_message_its_buckets_answer() {
        QuotaGate gate = new QuotaGate(local);

        QuotaGate.Result result = gate.enforce(verdict(
                        outcome(1, bucket("a", 5)),
                        outcome(2, null),
                        new GateVerdict.Outcome(call(3, "t"), null, null)))
                .join();

        assertThat(result.refusals()).isEmpty();
        assertThat(result.taken()).containsExactly(new QuotaOutcome(true, 4, 0), null, null);
    }

    @Test
    void the_message_over_its_quota_is_refused_with_when_to_retry_and_the_rest_of_the_batch_is_not_sent() {
        QuotaGate gate = new QuotaGate(local);
        gate.enforce(verdict(outcome(1, bucket("b", 1)))).join();

        QuotaGate.Result result = gate.enforce(verdict(outcome(7, bucket("other", 5)), outcome(8, bucket("b", 1))))
                .join();

        List<Refusal> refusals = result.refusals();
        assertThat(refusals).hasSize(2);
        assertThat(refusals.get(0).id().asInt()).isEqualTo(7);
        assertThat(refusals.get(0).code()).isEqualTo(ErrorCode.BATCH_NOT_FORWARDED);
        assertThat(refusals.get(0).message()).isEqualTo("Not sent: batch element 1 was over its quota");
        Refusal over = refusals.get(1);
        assertThat(over.id().asInt()).isEqualTo(8);
        assertThat(over.code()).isEqualTo(ErrorCode.OVER_QUOTA);
        long retry = over.data().get("retry_after_ms").asLong();
        assertThat(retry).isPositive().isLessThanOrEqualTo(60_000);
        assertThat(over.message()).isEqualTo("Over quota: retry in " + retry + " ms");
        assertThat(over.data().get("limit").asLong()).isEqualTo(1);
        assertThat(over.data().get("window_ms").asLong()).isEqualTo(60_000);
        // The earlier element's take stands: a client sending batches it knows exceed its quota pays for them.
        assertThat(result.taken().get(0)).isEqualTo(new QuotaOutcome(true, 4, 0));
        assertThat(result.taken().get(1).granted()).isFalse();
    }

    @Test
    void only_the_first_message_over_its_quota_is_named() {
        QuotaGate gate = new QuotaGate(local);
        gate.enforce(verdict(outcome(1, bucket("c", 1)), outcome(2, bucket("d", 1))))
                .join();

        List<Refusal> refusals = gate.enforce(verdict(outcome(3, bucket("c", 1)), outcome(4, bucket("d", 1))))
                .join()
                .refusals();

        assertThat(refusals)
                .extracting(Refusal::code)
                .containsExactly(ErrorCode.OVER_QUOTA, ErrorCode.BATCH_NOT_FORWARDED);
        assertThat(refusals.get(1).message()).isEqualTo("Not sent: batch element 0 was over its quota");
    }

    @Test
    void a_shared_store_that_cannot_answer_refuses_the_call_as_unavailable() {
        RedisQuotaStore unreachable = new RedisQuotaStore(
                new ProxyConfig.Quota.Redis(URI.create("redis://127.0.0.1:1"), null, null, Duration.ofMillis(300)),
                local,
                OpenTelemetry.noop().getMeter("test"));
        open.add(unreachable);

        QuotaGate.Result result = new QuotaGate(unreachable)
                .enforce(verdict(outcome(1, bucket("e", 5)), outcome(2, null)))
                .join();

        assertThat(result.refusals())
                .extracting(Refusal::code)
                .containsExactly(ErrorCode.POLICY_UNAVAILABLE, ErrorCode.BATCH_NOT_FORWARDED);
        assertThat(result.refusals().get(0).message())
                .isEqualTo("Quota store unavailable: the quota could not be checked; not sent");
        assertThat(result.refusals().get(1).message()).isEqualTo("Not sent: batch element 0 was over its quota");
        assertThat(result.taken()).containsExactly(null, null);
    }

    @Test
    void a_store_that_fails_by_a_bug_refuses_the_call_too() {
        QuotaStore broken = spec -> CompletableFuture.failedFuture(new IllegalStateException("bug"));

        QuotaGate.Result result = new QuotaGate(broken)
                .enforce(verdict(outcome(1, bucket("f", 5))))
                .join();

        assertThat(result.refusals()).singleElement().satisfies(r -> {
            assertThat(r.code()).isEqualTo(ErrorCode.POLICY_UNAVAILABLE);
            assertThat(r.message()).isEqualTo("Quota could not be checked; not sent");
        });
    }

    @Test
    void the_message_whose_take_failed_is_the_one_named_not_the_first_of_the_batch() {
        QuotaStore failing = spec -> spec.key().equals("mute")
                ? CompletableFuture.failedFuture(new QuotaStoreUnavailableException(new IllegalStateException("down")))
                : local.take(spec);

        QuotaGate.Result result = new QuotaGate(failing)
                .enforce(verdict(outcome(1, null), outcome(2, bucket("g", 5)), outcome(3, bucket("mute", 5))))
                .join();

        assertThat(result.refusals())
                .extracting(Refusal::code)
                .containsExactly(
                        ErrorCode.BATCH_NOT_FORWARDED, ErrorCode.BATCH_NOT_FORWARDED, ErrorCode.POLICY_UNAVAILABLE);
        assertThat(result.refusals().get(0).message()).isEqualTo("Not sent: batch element 2 was over its quota");
        assertThat(result.refusals().get(2).id().asInt()).isEqualTo(3);
        assertThat(result.taken()).containsExactly(null, null, null);
    }
}
