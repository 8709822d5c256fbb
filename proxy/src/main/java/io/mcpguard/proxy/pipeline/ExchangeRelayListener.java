package io.mcpguard.proxy.pipeline;

import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.ServerAnswer;
import io.mcpguard.proxy.forward.RelayListener;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.mcpguard.proxy.mask.MaskCounts;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes what the relay reports to the exchange's log, and answers a failure that came before any answer. */
final class ExchangeRelayListener implements RelayListener {
    private static final Logger log = LoggerFactory.getLogger(ForwardStage.class);

    private final ChannelHandlerContext ctx;
    private final Exchange exchange;
    private final ExchangeLog exchangeLog;
    private final Runnable sessionLost;
    private final Replies replies;

    /** @param sessionLost run when the server answers 404 (its session is gone); null when there is none */
    ExchangeRelayListener(ChannelHandlerContext ctx, Exchange exchange, Replies replies, Runnable sessionLost) {
        this.replies = replies;
        this.ctx = ctx;
        this.exchange = exchange;
        this.exchangeLog = exchange.log();
        this.sessionLost = sessionLost;
    }

    @Override
    public void failedBeforeResponse(ErrorCode code, String message) {
        log.atWarn()
                .addKeyValue("error.type", code.name())
                .addKeyValue("reason", message)
                .log("upstream failed");
        exchangeLog.upstreamFailed(code);
        ctx.channel().attr(ForwardStage.SERVER_STREAM).set(null);
        JsonRpcMessage only = exchange.hasMessages() && !exchange.body().batch()
                ? exchange.body().messages().get(0)
                : null;
        Refusal refusal = new Refusal(only == null ? null : only.id(), code, message, null);
        replies.refuse(ctx, exchange, List.of(refusal));
    }

    @Override
    public void completed() {
        exchangeLog.completed();
        ctx.channel().attr(ForwardStage.SERVER_STREAM).set(null);
        Replies.resumeReading(ctx);
    }

    @Override
    public void interrupted(String why, boolean clientGone) {
        exchangeLog.interrupted(clientGone);
    }

    @Override
    public void responded(int httpStatus) {
        if (httpStatus == 404 && sessionLost != null) {
            sessionLost.run();
        }
        exchangeLog.responded(httpStatus);
    }

    @Override
    public void answered(ServerAnswer answer) {
        exchangeLog.answered(answer);
    }

    @Override
    public void masked(MaskCounts counts) {
        exchangeLog.masked(counts);
    }

    @Override
    public void unmatched() {
        exchangeLog.unmatchedAnswer();
    }

    @Override
    public void hidden(int items) {
        exchangeLog.hidden(items);
    }
}
