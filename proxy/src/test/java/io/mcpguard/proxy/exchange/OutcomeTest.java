package io.mcpguard.proxy.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.policy.Decision;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The outcome a refusal is counted and audited under. */
class OutcomeTest {
    private static Decision decision(Decision.StepUp stepUp) {
        return new Decision(false, List.of("scope"), List.of(), null, stepUp, "full", 0, null, null, null, null);
    }

    @Test
    void a_scope_refusal_is_a_step_up_only_when_the_decision_asks_for_a_second_factor() {
        Decision stepUp = decision(new Decision.StepUp(List.of("otp"), 300));

        assertThat(Outcome.ofRefusal(ErrorCode.INSUFFICIENT_SCOPE, stepUp)).isEqualTo(Outcome.STEP_UP);
        assertThat(Outcome.ofRefusal(ErrorCode.INSUFFICIENT_SCOPE, decision(null)))
                .isEqualTo(Outcome.INSUFFICIENT_SCOPE);
        // Refused before any decision (the token's scopes alone): never a step-up.
        assertThat(Outcome.ofRefusal(ErrorCode.INSUFFICIENT_SCOPE, null)).isEqualTo(Outcome.INSUFFICIENT_SCOPE);
    }

    @Test
    void each_refusal_code_maps_to_its_outcome() {
        assertThat(Outcome.ofRefusal(ErrorCode.POLICY_DENIED, decision(null))).isEqualTo(Outcome.DENY);
        assertThat(Outcome.ofRefusal(ErrorCode.OVER_QUOTA, null)).isEqualTo(Outcome.OVER_QUOTA);
        assertThat(Outcome.ofRefusal(ErrorCode.BATCH_NOT_FORWARDED, null)).isEqualTo(Outcome.NOT_SENT);
        assertThat(Outcome.ofRefusal(ErrorCode.POLICY_UNAVAILABLE, null)).isEqualTo(Outcome.UNAVAILABLE);
        for (ErrorCode upstream : EnumSet.of(
                ErrorCode.UPSTREAM_UNAVAILABLE,
                ErrorCode.UPSTREAM_TIMEOUT,
                ErrorCode.ANSWER_TOO_LARGE,
                ErrorCode.ANSWER_NOT_INSPECTABLE)) {
            assertThat(Outcome.ofRefusal(upstream, null)).as("%s", upstream).isEqualTo(Outcome.UPSTREAM_ERROR);
        }
        assertThat(Outcome.ofRefusal(ErrorCode.PARSE_ERROR, null)).isEqualTo(Outcome.ERROR);
        assertThat(Outcome.ofRefusal(ErrorCode.INVALID_PARAMS, null)).isEqualTo(Outcome.ERROR);
    }

    @Test
    void only_policy_and_scope_refusals_count_towards_a_denial_burst() {
        assertThat(EnumSet.allOf(Outcome.class).stream().filter(Outcome::isDenial))
                .containsExactlyInAnyOrder(Outcome.DENY, Outcome.INSUFFICIENT_SCOPE);
    }

    @Test
    void wire_names_are_distinct_lowercase_labels() {
        assertThat(EnumSet.allOf(Outcome.class).stream().map(Outcome::wireName))
                .doesNotHaveDuplicates()
                .allMatch(name -> name.matches("[a-z_]+"));
        assertThat(Outcome.STEP_UP.wireName()).isEqualTo("step_up");
    }
}
