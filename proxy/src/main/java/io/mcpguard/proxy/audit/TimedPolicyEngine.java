package io.mcpguard.proxy.audit;

import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.PolicyEngine;
import io.mcpguard.proxy.policy.PolicyInput;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import java.util.concurrent.CompletableFuture;

/**
 * Measures the policy engine itself (OPA over its REST API, below the decision cache): {@code
 * mcp.policy.opa.duration}, from asking to having the answer, by {@code mcp.policy.opa.result} ({@code decided}, or
 * {@code unavailable} for a timeout, an error or an answer the proxy cannot use). Adds nothing but a clock read and a
 * histogram update to each call.
 */
final class TimedPolicyEngine implements PolicyEngine {
    private static final AttributeKey<String> RESULT = AttributeKey.stringKey("mcp.policy.opa.result");
    private static final Attributes DECIDED = Attributes.of(RESULT, "decided");
    private static final Attributes UNAVAILABLE = Attributes.of(RESULT, "unavailable");

    private final PolicyEngine delegate;
    private final DoubleHistogram duration;

    TimedPolicyEngine(PolicyEngine delegate, DoubleHistogram duration) {
        this.delegate = delegate;
        this.duration = duration;
    }

    @Override
    public CompletableFuture<Decision> decide(PolicyInput input) {
        long start = System.nanoTime();
        return delegate.decide(input)
                .whenComplete((decision, failure) ->
                        duration.record((System.nanoTime() - start) / 1e9, failure == null ? DECIDED : UNAVAILABLE));
    }

    @Override
    public void close() {
        delegate.close();
    }
}
