package io.mcpguard.proxy.pipeline;

import io.mcpguard.proxy.auth.Authenticator;
import io.mcpguard.proxy.budget.BudgetKeys;
import io.mcpguard.proxy.budget.ConcurrencyBudget;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.PolicyGate;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decide stage: asks the policy ({@link PolicyGate}) about every message of the body, off the event loop, and
 * continues on it with the verdict. A denied body is answered with the policy's reasons (with a step-up challenge
 * when a second factor would allow it); an allowed one goes on. A failure to decide is a refusal, never an allow.
 * One subject has at most {@code budgets.per-subject.decisions} bodies being decided at once, so no subject can
 * fill the engine's queue that every subject's decisions wait in.
 */
@ChannelHandler.Sharable
public final class PolicyCheck extends SimpleChannelInboundHandler<Exchange> {
    private static final Logger log = LoggerFactory.getLogger(PolicyCheck.class);

    private final PolicyGate gate;
    private final ConcurrencyBudget decisions;
    private final Authenticator authenticator;
    private final Replies replies;

    PolicyCheck(PolicyGate gate, ConcurrencyBudget decisions, Authenticator authenticator, Replies replies) {
        super(false);
        this.gate = gate;
        this.decisions = decisions;
        this.authenticator = authenticator;
        this.replies = replies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Exchange exchange) {
        if (!exchange.hasMessages()) {
            ctx.fireChannelRead(exchange);
            return;
        }
        ConcurrencyBudget.Permit permit = decisions.tryAcquire(
                BudgetKeys.of(exchange.subject(), exchange.log().head().clientAddress()));
        if (permit == null) {
            replies.busy(ctx, exchange, decisions);
            return;
        }
        gate.check(exchange.body(), exchange.subject(), exchange.transport())
                .whenComplete((verdict, failure) -> permit.release())
                .whenCompleteAsync((verdict, failure) -> decided(ctx, exchange, verdict, failure), ctx.executor());
    }

    private void decided(ChannelHandlerContext ctx, Exchange exchange, GateVerdict verdict, Throwable failure) {
        ExchangeLog exchangeLog = exchange.log();
        if (failure != null) { // a bug, not a policy answer: still fail closed
            log.atError().setCause(failure).log("policy gate failed");
            replies.checkFailed(ctx, exchange, "policy check");
            return;
        }
        exchangeLog.decided(verdict);
        if (!ctx.channel().isActive()) {
            exchangeLog.abandoned();
            return;
        }
        if (verdict.allowed()) {
            ctx.fireChannelRead(exchange.allowedBy(verdict));
            return;
        }
        exchangeLog.refused(verdict.refusals());
        JsonRpcMessage stepUp = verdict.stepUpFor();
        if (stepUp == null) {
            replies.refuse(ctx, exchange, verdict.refusals());
            return;
        }
        // The policy would allow this with a second factor: tell the client how to get one (MCP authorization
        // "Step-Up Authorization Flow"), with the refusals as the JSON-RPC answer.
        String challenge = authenticator
                .challenges()
                .insufficientScope(authenticator.scopes().stepUpFor(stepUp), "multi-factor authentication required");
        replies.challenge(
                ctx,
                ErrorCode.INSUFFICIENT_SCOPE,
                replies.answers()
                        .refusalBody(verdict.refusals(), exchange.body().batch()),
                challenge,
                exchange.keepAlive());
    }
}
