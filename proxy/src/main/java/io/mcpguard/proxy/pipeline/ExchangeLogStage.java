package io.mcpguard.proxy.pipeline;

import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.ExchangeObserver;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Opens an {@link ExchangeLog} for each request as its head arrives, before any stage can answer it, so every
 * stage behind this one writes its facts to the log of the request in flight. The observer (the audit trail) reads
 * each log when it completes; this is the only place it is attached.
 */
@ChannelHandler.Sharable
public final class ExchangeLogStage extends ChannelInboundHandlerAdapter {
    private final ExchangeObserver observer;

    public ExchangeLogStage(ExchangeObserver observer) {
        this.observer = observer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            ExchangeLog.open(ctx.channel(), request, observer);
        }
        ctx.fireChannelRead(msg);
    }
}
