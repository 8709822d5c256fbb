package io.mcpguard.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.config.Secret;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class BurstCounterTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void the_denial_that_reaches_the_threshold_is_reported_once_per_window_per_subject() {
        BurstCounter bursts = new BurstCounter(3, Duration.ofSeconds(10));

        assertThat(bursts.count("a", 0)).isZero();
        assertThat(bursts.count("b", 0)).isZero();
        assertThat(bursts.count("a", SECOND)).isZero();
        assertThat(bursts.count("a", 2 * SECOND)).isEqualTo(3);
        assertThat(bursts.count("a", 3 * SECOND)).as("once per window").isZero();
        assertThat(bursts.count("b", 3 * SECOND))
                .as("subjects are counted apart")
                .isZero();

        assertThat(bursts.count("a", 11 * SECOND))
                .as("a new window starts over")
                .isZero();
        assertThat(bursts.count("a", 12 * SECOND)).isZero();
        assertThat(bursts.count("a", 13 * SECOND)).isEqualTo(3);
    }

    @Test
    void subject_pseudonyms_are_a_keyed_hash_stable_per_key() {
        SubjectPseudonyms clear = new SubjectPseudonyms(null);
        SubjectPseudonyms keyed = new SubjectPseudonyms(new Secret("k".repeat(32)));
        SubjectPseudonyms otherKey = new SubjectPseudonyms(new Secret("j".repeat(32)));

        assertThat(clear.of("alice")).isEqualTo("alice");
        assertThat(keyed.of("alice")).hasSize(64).isEqualTo(keyed.of("alice")).isNotEqualTo(keyed.of("bob"));
        assertThat(otherKey.of("alice")).isNotEqualTo(keyed.of("alice"));
    }

    @Test
    void a_remembered_pseudonym_is_the_hmac_of_the_id() throws Exception {
        SubjectPseudonyms keyed = new SubjectPseudonyms(new Secret("k".repeat(32)));
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec("k".repeat(32).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = HexFormat.of().formatHex(mac.doFinal("alice".getBytes(StandardCharsets.UTF_8)));

        assertThat(keyed.of("alice")).isEqualTo(expected);
        assertThat(keyed.of("alice")).isEqualTo(expected); // the second from what it remembers
    }
}
