package io.mcpguard.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class UnauthenticatedSpansTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    @Test
    void each_address_gets_its_share_a_minute() {
        UnauthenticatedSpans spans = new UnauthenticatedSpans(3, 1000, 0.1, () -> 0);
        long t = 1_000 * MINUTE;

        assertThat(admitted(spans, "10.0.0.1", t, 5)).isEqualTo(3);
        assertThat(admitted(spans, "10.0.0.2", t, 5))
                .as("another address has its own")
                .isEqualTo(3);
        assertThat(admitted(spans, "10.0.0.1", t + MINUTE - 1, 1)).isZero();
        assertThat(admitted(spans, "10.0.0.1", t + MINUTE, 5))
                .as("a new minute")
                .isEqualTo(3);
    }

    @Test
    void all_addresses_together_get_at_most_the_rate_a_second() {
        UnauthenticatedSpans spans = new UnauthenticatedSpans(10, 4, 0.1, () -> 0);
        long t = 1_000 * MINUTE;
        int admitted = 0;
        for (int a = 0; a < 10; a++) {
            admitted += admitted(spans, "10.0.1." + a, t, 1);
        }

        assertThat(admitted).isEqualTo(4);
        assertThat(admitted(spans, "10.0.2.1", t + SECOND, 1))
                .as("the next second")
                .isEqualTo(1);
    }

    @Test
    void none_while_the_spool_is_fuller_than_the_share() {
        AtomicReference<Double> fill = new AtomicReference<>(0.15);
        UnauthenticatedSpans spans = new UnauthenticatedSpans(10, 100, 0.1, fill::get);
        long t = 1_000 * MINUTE;

        assertThat(admitted(spans, "10.0.0.1", t, 3)).isZero();
        fill.set(0.05);
        assertThat(admitted(spans, "10.0.0.1", t, 3)).isEqualTo(3);
    }

    @Test
    void a_zero_share_records_none() {
        UnauthenticatedSpans spans = new UnauthenticatedSpans(0, 100, 0.1, () -> 0);

        assertThat(admitted(spans, "10.0.0.1", MINUTE, 3)).isZero();
    }

    private static int admitted(UnauthenticatedSpans spans, String address, long now, int tries) {
        int admitted = 0;
        for (int i = 0; i < tries; i++) {
            if (spans.admit(address, now)) {
                admitted++;
            }
        }
        return admitted;
    }
}
