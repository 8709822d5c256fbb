package io.mcpguard.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SessionBindingsTest {
    @Test
    void a_subject_past_its_sessions_ends_its_own_oldest_and_no_one_elses() {
        SessionBindings sessions = new SessionBindings(Duration.ofHours(1), 1000, 2);
        sessions.bind("bob-1", "jwt:bob");

        sessions.bind("alice-1", "jwt:alice");
        sessions.bind("alice-2", "jwt:alice");
        sessions.bind("alice-3", "jwt:alice");

        assertThat(sessions.standing("alice-1", "jwt:alice")).isEqualTo(SessionBindings.Standing.UNKNOWN);
        assertThat(sessions.standing("alice-2", "jwt:alice")).isEqualTo(SessionBindings.Standing.OWNED);
        assertThat(sessions.standing("alice-3", "jwt:alice")).isEqualTo(SessionBindings.Standing.OWNED);
        assertThat(sessions.standing("bob-1", "jwt:bob")).isEqualTo(SessionBindings.Standing.OWNED);
        assertThat(sessions.sessionsOf("jwt:alice")).isEqualTo(2);
    }

    @Test
    void an_ended_session_frees_its_place() {
        SessionBindings sessions = new SessionBindings(Duration.ofHours(1), 1000, 2);
        sessions.bind("alice-1", "jwt:alice");
        sessions.bind("alice-2", "jwt:alice");

        sessions.end("alice-1", "jwt:alice");
        sessions.bind("alice-3", "jwt:alice");

        assertThat(sessions.standing("alice-2", "jwt:alice")).isEqualTo(SessionBindings.Standing.OWNED);
        assertThat(sessions.standing("alice-3", "jwt:alice")).isEqualTo(SessionBindings.Standing.OWNED);
    }

    @Test
    void another_subjects_session_id_is_not_rebound_and_counts_for_no_one() {
        SessionBindings sessions = new SessionBindings(Duration.ofHours(1), 1000, 2);
        sessions.bind("shared", "jwt:alice");

        assertThat(sessions.bind("shared", "jwt:mallory")).isEqualTo("jwt:alice");
        assertThat(sessions.sessionsOf("jwt:mallory")).isZero();
        assertThat(sessions.standing("shared", "jwt:mallory")).isEqualTo(SessionBindings.Standing.FOREIGN);
    }

    @Test
    void binding_a_session_to_its_own_owner_again_changes_nothing_and_only_the_owner_ends_it() {
        SessionBindings sessions = new SessionBindings(Duration.ofHours(1), 1000);
        sessions.bind("alice-1", "jwt:alice");

        assertThat(sessions.bind("alice-1", "jwt:alice")).isNull();
        assertThat(sessions.sessionsOf("jwt:alice")).isEqualTo(1);
        sessions.end("alice-1", "jwt:mallory");
        assertThat(sessions.standing("alice-1", "jwt:alice"))
                .as("another subject cannot end it")
                .isEqualTo(SessionBindings.Standing.OWNED);
        sessions.end("alice-1", "jwt:alice");
        assertThat(sessions.standing("alice-1", "jwt:alice")).isEqualTo(SessionBindings.Standing.UNKNOWN);
        assertThat(sessions.sessionsOf("jwt:alice")).isZero();
    }

    @Test
    void without_a_per_subject_limit_a_subject_may_hold_up_to_the_whole_table() {
        SessionBindings sessions = new SessionBindings(Duration.ofHours(1), 3);

        sessions.bind("alice-1", "jwt:alice");
        sessions.bind("alice-2", "jwt:alice");
        sessions.bind("alice-3", "jwt:alice");

        assertThat(sessions.sessionsOf("jwt:alice")).isEqualTo(3);
        assertThat(sessions.standing("alice-1", "jwt:alice")).isEqualTo(SessionBindings.Standing.OWNED);
    }
}
