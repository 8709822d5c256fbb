package io.mcpguard.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.budget.ConcurrencyBudget;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;

/**
 * How a stage of the message path answers a request itself: through {@link HttpAnswers}, and then the connection
 * reads its next request. Reading stops when a request enters the message path (one exchange at a time per
 * connection) and resumes only once its answer is written.
 */
final class Replies {
    private final HttpAnswers answers;

    Replies(HttpAnswers answers) {
        this.answers = answers;
    }

    HttpAnswers answers() {
        return answers;
    }

    /** Refusals of a decoded body, one per message (see {@link HttpAnswers#refuse}). */
    void refuse(ChannelHandlerContext ctx, Exchange exchange, List<Refusal> refusals) {
        answers.refuse(ctx, refusals, exchange.body() != null && exchange.body().batch(), exchange.keepAlive())
                .addListener(f -> resumeReading(ctx));
    }

    /** A request the proxy cannot accept at all: the status says so, the body says why. */
    void reject(ChannelHandlerContext ctx, Refusal refusal, boolean keepAlive) {
        answers.reject(ctx, refusal, keepAlive).addListener(f -> resumeReading(ctx));
    }

    /**
     * A check that failed by a bug rather than answering (the gate's future failed): recorded and refused as
     * unavailable, the connection closed — fail closed, never forwarded.
     *
     * @param what the check, as the client and the trail read it ("policy check", "quota check")
     */
    void checkFailed(ChannelHandlerContext ctx, Exchange exchange, String what) {
        exchange.log()
                .refused(
                        Outcome.UNAVAILABLE,
                        ErrorCode.POLICY_UNAVAILABLE.httpStatus().code(),
                        ErrorCode.POLICY_UNAVAILABLE,
                        what + " failed");
        reject(ctx, new Refusal(null, ErrorCode.POLICY_UNAVAILABLE, what + " failed; not sent", null), false);
    }

    /**
     * The subject (or its address) already holds all of {@code budget} it may: refused {@code -32013} with HTTP 429
     * and {@code Retry-After}, since one of the things it holds will end soon.
     */
    void busy(ChannelHandlerContext ctx, Exchange exchange, ConcurrencyBudget budget) {
        String reason = "too many " + budget.budget().description() + " (at most " + budget.perKey() + ")";
        exchange.log().refused(Outcome.OVER_BUDGET, ErrorCode.BUSY.httpStatus().code(), ErrorCode.BUSY, reason);
        answers.busy(ctx, new Refusal(null, ErrorCode.BUSY, reason + "; retry later", null), exchange.keepAlive())
                .addListener(f -> resumeReading(ctx));
    }

    /** An authorization failure with its {@code WWW-Authenticate} challenge. */
    void challenge(ChannelHandlerContext ctx, ErrorCode code, JsonNode body, String challenge, boolean keepAlive) {
        answers.challenge(ctx, code, body, challenge, keepAlive).addListener(f -> resumeReading(ctx));
    }

    /** The answer is out: the connection may carry its next request. */
    static void resumeReading(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }
}
