package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.Refusal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a body's decisions add up to: passed whole, or one refusal per message saying why. */
class GateVerdictTest {

    private static JsonRpcMessage call(int id) {
        return new JsonRpcMessage(JsonRpcMessage.Kind.REQUEST, IntNode.valueOf(id), "tools/call", null, null);
    }

    private static Decision decision(boolean allow, String id, Decision.StepUp stepUp, String... reasons) {
        return new Decision(allow, List.of(reasons), List.of(), null, stepUp, "normal", 0, null, id, "r", null);
    }

    private static final Decision.StepUp MFA = new Decision.StepUp(List.of("otp", "hwk"), 900);

    @Test
    void a_body_whose_every_message_is_allowed_passes_and_asks_no_step_up() {
        GateVerdict verdict = new GateVerdict(List.of(
                GateVerdict.Outcome.decided(call(1), decision(true, "d1", null)),
                GateVerdict.Outcome.decided(call(2), decision(true, "d2", null))));

        assertThat(verdict.allowed()).isTrue();
        assertThat(verdict.stepUpFor()).isNull();
    }

    @Test
    void a_denial_names_its_reasons_and_decision_and_the_allowed_neighbours_the_element_that_was_refused() {
        GateVerdict verdict = new GateVerdict(List.of(
                GateVerdict.Outcome.decided(call(1), decision(true, "d1", null)),
                GateVerdict.Outcome.decided(call(2), decision(false, "d2", null, "not your repo", "read only")),
                GateVerdict.Outcome.decided(call(3), decision(false, null, null))));

        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.stepUpFor())
                .as("no denial here is lifted by a second factor")
                .isNull();
        List<Refusal> refusals = verdict.refusals();
        assertThat(refusals.get(0).code()).isEqualTo(ErrorCode.BATCH_NOT_FORWARDED);
        assertThat(refusals.get(0).message())
                .isEqualTo("Not sent: batch element 1 was refused, and a batch passes whole or not at all");
        assertThat(refusals.get(0).data()).isNull();

        Refusal denied = refusals.get(1);
        assertThat(denied.id().asInt()).isEqualTo(2);
        assertThat(denied.code()).isEqualTo(ErrorCode.POLICY_DENIED);
        assertThat(denied.message()).isEqualTo("Denied by policy: not your repo; read only");
        assertThat(denied.data().toString())
                .isEqualTo("{\"reasons\":[\"not your repo\",\"read only\"],\"decision_id\":\"d2\"}");

        Refusal bare = refusals.get(2);
        assertThat(bare.message()).isEqualTo("Denied by policy: no reason given");
        assertThat(bare.data().toString()).as("no decision id to name").isEqualTo("{\"reasons\":[]}");
    }

    @Test
    void a_denial_a_second_factor_would_lift_asks_for_a_step_up_naming_the_methods_and_age() {
        JsonRpcMessage merge = call(5);
        GateVerdict verdict = new GateVerdict(List.of(
                GateVerdict.Outcome.decided(call(4), decision(false, "d4", null, "no")),
                GateVerdict.Outcome.decided(call(6), decision(true, "d6", MFA)),
                GateVerdict.Outcome.decided(merge, decision(false, "d5", MFA, "dangerous tool"))));

        assertThat(verdict.stepUpFor())
                .as("the first denial with a step-up, not an allowed one")
                .isSameAs(merge);
        Refusal stepUp = verdict.refusals().get(2);
        assertThat(stepUp.code()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE);
        assertThat(stepUp.message()).isEqualTo("Step-up required: authenticate with a second factor (dangerous tool)");
        assertThat(stepUp.data().get("step_up").toString())
                .isEqualTo("{\"kind\":\"mfa\",\"amr_any\":[\"otp\",\"hwk\"],\"max_age_s\":900}");
        assertThat(stepUp.data().get("decision_id").asText()).isEqualTo("d5");
        assertThat(verdict.refusals().get(1).message()).contains("batch element 0 was refused");
    }

    @Test
    void a_message_the_policy_could_not_decide_is_refused_as_unavailable() {
        GateVerdict verdict = new GateVerdict(List.of(
                GateVerdict.Outcome.decided(call(1), decision(true, "d1", null)),
                GateVerdict.Outcome.unavailable(call(2), new PolicyUnavailableException("OPA timed out"))));

        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.stepUpFor()).isNull();
        Refusal unavailable = verdict.refusals().get(1);
        assertThat(unavailable.code()).isEqualTo(ErrorCode.POLICY_UNAVAILABLE);
        assertThat(unavailable.message())
                .isEqualTo("Policy decision unavailable (OPA timed out); the request was not sent");
        assertThat(unavailable.data()).isNull();
        assertThat(verdict.refusals().get(0).message()).contains("batch element 1 was refused");
    }
}
