package io.mcpguard.proxy.pipeline;

import io.mcpguard.proxy.auth.Authenticator;
import io.mcpguard.proxy.bridge.LegacyBridge;
import io.mcpguard.proxy.budget.ConcurrencyBudget;
import io.mcpguard.proxy.forward.SealedRequestStates;
import io.mcpguard.proxy.forward.TraceContextInjector;
import io.mcpguard.proxy.forward.UpstreamClient;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.http.Readiness;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.policy.PolicyGate;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.policy.ToolViews;
import io.mcpguard.proxy.quota.QuotaGate;
import io.netty.channel.ChannelPipeline;

/**
 * The message path, behind the connection's limits and the header stages: route → decode → scope → decide → quota
 * → forward. Each stage is one handler that does its one job and hands the {@link Exchange} on, or answers it; the
 * stages are shared by every connection (their state is per exchange, never per handler).
 */
public final class MessagePath {
    /**
     * What the stages are made of.
     *
     * @param mcpPath the MCP endpoint's path
     * @param subjects where each request's subject comes from (the identity stage's, or a test's fixed one)
     * @param tracing puts the audit trail's trace context on the hop; null when the trail is off
     * @param recordToolCalls whether tool results are recorded (masked) for the audit trail
     * @param readiness what {@code GET /readyz} checks
     * @param decisions how many bodies one subject may have decided at once
     * @param bridge the legacy sessions modern clients are bridged through, or null (the server speaks modern)
     * @param requestStates seals multi round-trip states for their subject and opens them on the retry; null for none
     */
    public record Parts(
            String mcpPath,
            JsonRpcDecoder decoder,
            SubjectResolver subjects,
            Authenticator authenticator,
            PolicyGate policy,
            QuotaGate quotas,
            UpstreamClient upstream,
            HttpAnswers answers,
            TraceContextInjector tracing,
            boolean recordToolCalls,
            Readiness readiness,
            ConcurrencyBudget decisions,
            LegacyBridge bridge,
            SealedRequestStates requestStates) {}

    private final McpRouter route;
    private final McpDecoder decode;
    private final ScopeCheck scope;
    private final PolicyCheck decide;
    private final QuotaCheck quota;
    private final ForwardStage forward;

    public MessagePath(Parts parts) {
        Replies replies = new Replies(parts.answers());
        this.route = new McpRouter(parts.mcpPath(), parts.answers(), parts.readiness());
        this.decode = new McpDecoder(
                parts.decoder(), parts.subjects(), replies, parts.policy().declaredTools(), parts.requestStates());
        this.scope = new ScopeCheck(parts.authenticator(), replies);
        this.decide = new PolicyCheck(parts.policy(), parts.decisions(), parts.authenticator(), replies);
        this.quota = new QuotaCheck(parts.quotas(), replies);
        this.forward = new ForwardStage(
                parts.upstream(),
                new ToolViews(100_000),
                parts.tracing(),
                parts.recordToolCalls(),
                replies,
                parts.bridge(),
                parts.decoder().mapper(),
                parts.requestStates());
    }

    /** Adds the stages, in order, at the end of a connection's pipeline. */
    public void addTo(ChannelPipeline pipeline) {
        pipeline.addLast("route", route)
                .addLast("decode", decode)
                .addLast("scope", scope)
                .addLast("decide", decide)
                .addLast("quota", quota)
                .addLast("forward", forward)
                .addLast("failures", ConnectionFailures.INSTANCE);
    }
}
