package io.mcpguard.proxy.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.policy.Decision.QuotaSpec;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalQuotaStoreTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LocalQuotaStore store = new LocalQuotaStore(1000, Duration.ofHours(1), now::get);

    private QuotaOutcome take(QuotaSpec spec) {
        return store.take(spec).join();
    }

    private void advanceMillis(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void a_full_bucket_lets_a_burst_of_its_limit_through_then_refuses_with_the_time_to_wait() {
        QuotaSpec writes = new QuotaSpec("u-1/write", 30, 60_000, 1);
        for (int i = 0; i < 30; i++) {
            assertThat(take(writes).granted()).as("call %d", i + 1).isTrue();
        }
        QuotaOutcome refused = take(writes);

        assertThat(refused.granted()).isFalse();
        assertThat(refused.remaining()).isZero();
        assertThat(refused.retryAfterMillis()).isEqualTo(2_000); // one token per 60 s / 30
    }

    @Test
    void the_bucket_refills_at_the_average_rate() {
        QuotaSpec dangerous = new QuotaSpec("u-1/dangerous", 5, 3_600_000, 1);
        for (int i = 0; i < 5; i++) {
            take(dangerous);
        }
        assertThat(take(dangerous).retryAfterMillis()).isEqualTo(720_000);

        advanceMillis(719_999);
        assertThat(take(dangerous).granted()).isFalse();
        advanceMillis(1);
        assertThat(take(dangerous).granted()).isTrue();
        assertThat(take(dangerous).granted()).isFalse();

        advanceMillis(3_600_000 * 10L); // never more than the limit, however long the pause
        for (int i = 0; i < 5; i++) {
            assertThat(take(dangerous).granted()).isTrue();
        }
        assertThat(take(dangerous).granted()).isFalse();
    }

    @Test
    void buckets_are_separate_per_key_and_per_limit() {
        QuotaSpec alice = new QuotaSpec("alice", 1, 60_000, 1);
        QuotaSpec bob = new QuotaSpec("bob", 1, 60_000, 1);
        assertThat(take(alice).granted()).isTrue();
        assertThat(take(alice).granted()).isFalse();
        assertThat(take(bob).granted()).isTrue();
        // A policy that raises the limit starts a fresh bucket rather than reinterpreting the old one.
        assertThat(take(new QuotaSpec("alice", 2, 60_000, 1)).granted()).isTrue();
    }

    @Test
    void a_cost_above_the_limit_never_passes() {
        QuotaOutcome outcome = take(new QuotaSpec("big", 2, 1_000, 3));

        assertThat(outcome.granted()).isFalse();
        assertThat(outcome.retryAfterMillis())
                .as("when a full bucket would be back: its window")
                .isEqualTo(1_000);
        assertThat(take(new QuotaSpec("big", 2, 1_000, 2)).granted())
                .as("the refusal took nothing")
                .isTrue();
    }

    @Test
    void a_cost_of_exactly_the_limit_waits_for_the_missing_tokens_not_a_whole_window() {
        QuotaSpec two = new QuotaSpec("pair", 2, 1_000, 2);
        assertThat(take(new QuotaSpec("pair", 2, 1_000, 1)).remaining()).isEqualTo(1);

        QuotaOutcome refused = take(two);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.remaining()).isEqualTo(1);
        assertThat(refused.retryAfterMillis()).as("one token at two per second").isEqualTo(500);
    }
}
