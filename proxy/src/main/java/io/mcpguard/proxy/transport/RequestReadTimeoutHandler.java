package io.mcpguard.proxy.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the time from a request's head to the end of its body ({@code limits.request-read-timeout}), so a client
 * that trickles a body (slowloris) cannot hold a connection and a buffer open. Answers 408 and closes.
 */
final class RequestReadTimeoutHandler extends ChannelDuplexHandler {
    private final long timeoutMillis;
    private final HttpAnswers answers;
    private ScheduledFuture<?> timer;

    RequestReadTimeoutHandler(long timeoutMillis, HttpAnswers answers) {
        this.timeoutMillis = timeoutMillis;
        this.answers = answers;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest && timer == null) {
            timer = ctx.executor()
                    .schedule(
                            () -> answers.text(
                                    ctx,
                                    HttpResponseStatus.REQUEST_TIMEOUT,
                                    "request not received in time",
                                    false,
                                    null),
                            timeoutMillis,
                            TimeUnit.MILLISECONDS);
        }
        if (msg instanceof LastHttpContent) {
            cancel();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
