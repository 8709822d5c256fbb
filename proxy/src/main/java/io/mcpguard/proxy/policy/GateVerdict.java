package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.Refusal;
import java.util.ArrayList;
import java.util.List;

/** The policy's answers for every message of one body, in body order. */
public record GateVerdict(List<Outcome> outcomes) {

    public GateVerdict {
        outcomes = List.copyOf(outcomes);
    }

    /**
     * One message's fate: a decision, or the reason none could be had.
     *
     * @param message the message decided
     * @param decision the policy's decision, or null when the engine failed
     * @param failure why no decision could be had, or null
     */
    public record Outcome(JsonRpcMessage message, Decision decision, PolicyUnavailableException failure) {
        static Outcome decided(JsonRpcMessage message, Decision decision) {
            return new Outcome(message, decision, null);
        }

        static Outcome unavailable(JsonRpcMessage message, PolicyUnavailableException failure) {
            return new Outcome(message, null, failure);
        }

        public boolean allowed() {
            return decision != null && decision.allow();
        }
    }

    /** The first refused message whose refusal a step-up to MFA would lift, or null. */
    public JsonRpcMessage stepUpFor() {
        for (Outcome outcome : outcomes) {
            if (outcome.decision() != null
                    && !outcome.decision().allow()
                    && outcome.decision().requiresMfa()) {
                return outcome.message();
            }
        }
        return null;
    }

    /** True only when every message was allowed. */
    public boolean allowed() {
        return outcomes.stream().allMatch(Outcome::allowed);
    }

    /**
     * The errors to answer when {@link #allowed()} is false: one per message, in order. An allowed message of a
     * refused batch is answered too, so the client learns why its harmless element did not run.
     */
    public List<Refusal> refusals() {
        int firstRefused = -1;
        for (int i = 0; i < outcomes.size() && firstRefused < 0; i++) {
            if (!outcomes.get(i).allowed()) {
                firstRefused = i;
            }
        }
        List<Refusal> refusals = new ArrayList<>(outcomes.size());
        for (Outcome outcome : outcomes) {
            refusals.add(refusalFor(outcome, firstRefused));
        }
        return refusals;
    }

    private static Refusal refusalFor(Outcome outcome, int firstRefused) {
        JsonRpcMessage message = outcome.message();
        if (outcome.failure() != null) {
            return new Refusal(
                    message.id(),
                    ErrorCode.POLICY_UNAVAILABLE,
                    "Policy decision unavailable (" + outcome.failure().getMessage() + "); the request was not sent",
                    null);
        }
        Decision decision = outcome.decision();
        if (!decision.allow()) {
            ObjectNode data = JsonNodeFactory.instance.objectNode();
            decision.reasons().forEach(data.putArray("reasons")::add);
            if (decision.decisionId() != null) {
                data.put("decision_id", decision.decisionId());
            }
            String why = decision.reasons().isEmpty() ? "no reason given" : String.join("; ", decision.reasons());
            if (decision.requiresMfa()) { // the identity stage answers this with a 403 insufficient_scope challenge
                ObjectNode stepUp = data.putObject("step_up");
                stepUp.put("kind", "mfa");
                decision.stepUp().amrAny().forEach(stepUp.putArray("amr_any")::add);
                stepUp.put("max_age_s", decision.stepUp().maxAgeSeconds());
                return new Refusal(
                        message.id(),
                        ErrorCode.INSUFFICIENT_SCOPE,
                        "Step-up required: authenticate with a second factor (" + why + ")",
                        data);
            }
            return new Refusal(message.id(), ErrorCode.POLICY_DENIED, "Denied by policy: " + why, data);
        }
        return new Refusal(
                message.id(),
                ErrorCode.BATCH_NOT_FORWARDED,
                "Not sent: batch element " + firstRefused + " was refused, and a batch passes whole or not at all",
                null);
    }
}
