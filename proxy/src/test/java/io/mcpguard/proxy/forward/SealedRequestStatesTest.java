package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Sealing a multi round-trip state for one subject, and every way an envelope fails to open. */
class SealedRequestStatesTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private final SealedRequestStates states =
            new SealedRequestStates(Duration.ofMinutes(10), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void a_state_opens_for_its_subject_and_the_envelope_shows_nothing_of_it() {
        String sealed = states.seal("alice", "step=2;token=server-secret");

        assertThat(sealed).startsWith(SealedRequestStates.PREFIX).doesNotContain("server-secret", "step");
        assertThat(states.open("alice", sealed)).isEqualTo("step=2;token=server-secret");
        assertThat(states.seal("alice", "same"))
                .as("a fresh nonce each time")
                .isNotEqualTo(states.seal("alice", "same"));
        assertThat(states.open("alice", states.seal("alice", ""))).isEmpty();
    }

    @Test
    void another_subject_an_altered_envelope_a_foreign_one_or_garbage_open_nothing() {
        String sealed = states.seal("alice", "state");
        byte[] raw = Base64.getUrlDecoder().decode(sealed.substring(SealedRequestStates.PREFIX.length()));
        raw[raw.length - 1] ^= 1;
        String altered = SealedRequestStates.PREFIX
                + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String otherProxy = new SealedRequestStates(Duration.ofMinutes(10), Clock.fixed(NOW, ZoneOffset.UTC))
                .seal("alice", "state");

        assertThat(states.open("bob", sealed)).isNull();
        assertThat(states.open("alice", altered)).isNull();
        assertThat(states.open("alice", otherProxy))
                .as("sealed with another key")
                .isNull();
        assertThat(states.open("alice", "state"))
                .as("the server's own state, never sealed")
                .isNull();
        assertThat(states.open("alice", SealedRequestStates.PREFIX + "!!not base64!!"))
                .isNull();
        assertThat(states.open("alice", SealedRequestStates.PREFIX + "c2hvcnQ")).isNull();
        assertThat(states.open("alice", null)).isNull();
        assertThat(states.open(
                        "alice",
                        SealedRequestStates.PREFIX
                                + Base64.getUrlEncoder()
                                        .encodeToString("x".repeat(64).getBytes(StandardCharsets.UTF_8))))
                .isNull();
    }

    @Test
    void a_state_past_its_lifetime_opens_nothing() {
        Instant[] now = {NOW};
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        SealedRequestStates timed = new SealedRequestStates(Duration.ofMinutes(10), clock);
        String sealed = timed.seal("alice", "state");

        now[0] = NOW.plus(Duration.ofMinutes(9));
        assertThat(timed.open("alice", sealed)).isEqualTo("state");
        now[0] = NOW.plus(Duration.ofMinutes(10));
        assertThat(timed.open("alice", sealed))
                .as("the last second of its lifetime")
                .isEqualTo("state");
        now[0] = NOW.plus(Duration.ofMinutes(10)).plusSeconds(1);
        assertThat(timed.open("alice", sealed)).isNull();
        now[0] = NOW.plus(Duration.ofMinutes(11));
        assertThat(timed.open("alice", sealed)).isNull();
    }

    @Test
    void replicas_sharing_a_secret_open_each_others_states_and_no_one_else_does() {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        byte[] secret = "a secret every replica of this deployment mounts".getBytes(StandardCharsets.UTF_8);
        SealedRequestStates replicaA = new SealedRequestStates(Duration.ofMinutes(10), clock, secret);
        SealedRequestStates replicaB = new SealedRequestStates(Duration.ofMinutes(10), clock, secret.clone());
        byte[] otherSecret = "a secret of another deployment, as long as the one".getBytes(StandardCharsets.UTF_8);
        SealedRequestStates elsewhere = new SealedRequestStates(Duration.ofMinutes(10), clock, otherSecret);

        String sealed = replicaA.seal("alice", "server-state 7");

        assertThat(replicaB.open("alice", sealed)).isEqualTo("server-state 7");
        assertThat(replicaB.open("bob", sealed))
                .as("still bound to its subject")
                .isNull();
        assertThat(elsewhere.open("alice", sealed)).isNull();
        assertThat(states.open("alice", sealed))
                .as("a random key of one process")
                .isNull();
        assertThat(replicaA.open("alice", states.seal("alice", "x"))).isNull();
    }

    @Test
    void a_secret_shorter_than_a_key_is_refused() {
        byte[] shortSecret = new byte[31];

        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new SealedRequestStates(Duration.ofMinutes(10), Clock.systemUTC(), shortSecret))
                .withMessageContaining("at least 32 bytes");
    }
}
