package io.mcpguard.proxy.policy;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shadow mode: a candidate policy decides beside the enforced one, and what it would have done differently is
 * counted and logged — it never changes what happens to a message. The enforced decision is returned as soon as it
 * is known; the candidate's is compared when it arrives.
 *
 * <p>Bounded cost: a share of the decisions is sampled ({@code policy.shadow.sample-percent}) and at most {@code
 * max-concurrent} candidate decisions run at once; beyond that a decision is skipped (and counted), never queued.
 */
public final class ShadowPolicyEngine implements PolicyEngine {
    private static final Logger log = LoggerFactory.getLogger(ShadowPolicyEngine.class);
    private static final AttributeKey<String> KIND = AttributeKey.stringKey("mcp.policy.shadow.kind");
    private static final AttributeKey<String> RESULT = AttributeKey.stringKey("mcp.policy.shadow.result");

    private final PolicyEngine enforced;
    private final PolicyEngine candidate;
    private final int samplePercent;
    private final Semaphore running;
    private final LongCounter disagreements;
    private final LongCounter evaluations;

    public ShadowPolicyEngine(
            PolicyEngine enforced, PolicyEngine candidate, int samplePercent, int maxConcurrent, Meter meter) {
        this.enforced = enforced;
        this.candidate = candidate;
        this.samplePercent = samplePercent;
        this.running = new Semaphore(maxConcurrent);
        this.disagreements = meter.counterBuilder("mcp.policy.shadow.disagreements")
                .setUnit("{decision}")
                .setDescription("Decisions the shadow (candidate) policy would have taken differently, by kind of"
                        + " change (allow_to_deny, deny_to_allow, reasons, mask, quota, step_up, lists)")
                .build();
        this.evaluations = meter.counterBuilder("mcp.policy.shadow.evaluations")
                .setUnit("{decision}")
                .setDescription("Shadow evaluations by result: agree, disagree, failed, skipped (not sampled or"
                        + " over policy.shadow.max-concurrent)")
                .build();
        for (String kind : DecisionDiff.KINDS) {
            disagreements.add(0, Attributes.of(KIND, kind)); // each series exists from the start, at 0
        }
    }

    @Override
    public CompletableFuture<Decision> decide(PolicyInput input) {
        CompletableFuture<Decision> decided = enforced.decide(input);
        if (ThreadLocalRandom.current().nextInt(100) >= samplePercent || !running.tryAcquire()) {
            evaluations.add(1, Attributes.of(RESULT, "skipped"));
            return decided;
        }
        CompletableFuture<Decision> shadow;
        try {
            shadow = candidate.decide(input);
        } catch (RuntimeException e) {
            shadow = CompletableFuture.failedFuture(e);
        }
        shadow.whenComplete((d, e) -> running.release());
        CompletableFuture<ShadowVerdict> verdict = decided.thenCombine(shadow, this::compare)
                .exceptionally(failure -> {
                    evaluations.add(1, Attributes.of(RESULT, "failed"));
                    return ShadowVerdict.failed();
                });
        // The audit trail waits for the verdict before it writes the message's spans, so the disagreement lands
        // on them; the message itself never waits.
        return decided.thenApply(d -> d.withShadow(verdict));
    }

    private ShadowVerdict compare(Decision actual, Decision would) {
        List<String> kinds = DecisionDiff.kinds(actual.result(), would.result());
        if (kinds.isEmpty()) {
            evaluations.add(1, Attributes.of(RESULT, "agree"));
            return new ShadowVerdict(
                    ShadowVerdict.Result.AGREE, kinds, would.allow(), would.reasons(), would.revision());
        }
        evaluations.add(1, Attributes.of(RESULT, "disagree"));
        kinds.forEach(kind -> disagreements.add(1, Attributes.of(KIND, kind)));
        // Reasons are safe to show (the policy contract); method and tool names are the client's, so only the
        // decision id links the line to the span and the recording that hold the rest.
        log.atInfo()
                .addKeyValue("event.name", "policy.shadow_disagreement")
                .addKeyValue("kinds", kinds)
                .addKeyValue("decision_id", actual.decisionId())
                .addKeyValue("enforced_allow", actual.allow())
                .addKeyValue("shadow_allow", would.allow())
                .addKeyValue("enforced_reasons", actual.reasons())
                .addKeyValue("shadow_reasons", would.reasons())
                .log("the shadow policy would have decided differently");
        return new ShadowVerdict(
                ShadowVerdict.Result.DISAGREE, kinds, would.allow(), would.reasons(), would.revision());
    }

    @Override
    public void close() {
        enforced.close();
        candidate.close();
    }
}
