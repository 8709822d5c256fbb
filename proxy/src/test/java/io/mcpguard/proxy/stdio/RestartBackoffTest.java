package io.mcpguard.proxy.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartBackoffTest {
    @Test
    void doubles_per_failure_up_to_the_cap() {
        RestartBackoff backoff = new RestartBackoff(Duration.ofMillis(500), Duration.ofSeconds(5));

        assertThat(backoff.after(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(backoff.after(2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.after(4)).isEqualTo(Duration.ofSeconds(4));
        assertThat(backoff.after(5)).isEqualTo(Duration.ofSeconds(5));
        assertThat(backoff.after(1_000)).isEqualTo(Duration.ofSeconds(5));
    }
}
