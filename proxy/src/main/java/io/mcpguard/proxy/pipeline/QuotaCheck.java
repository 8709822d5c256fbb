package io.mcpguard.proxy.pipeline;

import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.quota.QuotaGate;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quota stage: each allowed message whose decision names a bucket takes its cost from it ({@link QuotaGate});
 * a body with a message over quota is answered {@code -32029} with {@code retry_after_ms}, and nothing of it is
 * sent. The policy decides the bucket; this stage only enforces it.
 */
@ChannelHandler.Sharable
public final class QuotaCheck extends SimpleChannelInboundHandler<Exchange> {
    private static final Logger log = LoggerFactory.getLogger(QuotaCheck.class);

    private final QuotaGate quotas;
    private final Replies replies;

    QuotaCheck(QuotaGate quotas, Replies replies) {
        super(false);
        this.quotas = quotas;
        this.replies = replies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Exchange exchange) {
        if (!exchange.hasMessages()) {
            ctx.fireChannelRead(exchange);
            return;
        }
        quotas.enforce(exchange.verdict())
                .whenCompleteAsync((result, failure) -> taken(ctx, exchange, result, failure), ctx.executor());
    }

    private void taken(ChannelHandlerContext ctx, Exchange exchange, QuotaGate.Result result, Throwable failure) {
        ExchangeLog exchangeLog = exchange.log();
        if (failure == null) {
            exchangeLog.quotaTaken(result.taken());
        }
        if (!ctx.channel().isActive()) {
            exchangeLog.abandoned();
            return;
        }
        if (failure != null) { // a bug, not a quota answer: still fail closed
            log.atError().setCause(failure).log("quota gate failed");
            replies.checkFailed(ctx, exchange, "quota check");
            return;
        }
        if (!result.refusals().isEmpty()) {
            exchangeLog.refused(result.refusals());
            replies.refuse(ctx, exchange, result.refusals());
            return;
        }
        ctx.fireChannelRead(exchange);
    }
}
