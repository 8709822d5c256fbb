package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.http.RequestTiming;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the time from a request's first byte to its last ({@code limits.request-read-timeout}), headers
 * included, so a client that trickles a request (slowloris) cannot hold a connection and its buffers open. Sits
 * before the HTTP codec, where it sees raw bytes; a stage tells it ({@link RequestTiming}) when a whole request has arrived. On
 * expiry it answers 408 itself, as raw bytes (the codec may be mid-request), and closes.
 */
final class RequestReadTimeoutHandler extends ChannelInboundHandlerAdapter {
    private static final byte[] TIMEOUT_ANSWER =
            ("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 30\r\n"
                            + "Connection: close\r\n\r\nrequest not received in time\r\n")
                    .getBytes(StandardCharsets.US_ASCII);

    private final long timeoutMillis;
    private ScheduledFuture<?> timer;

    RequestReadTimeoutHandler(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** A stage read a whole request ({@link RequestTiming#RECEIVED}): the deadline stops; the event ends here. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == RequestTiming.RECEIVED) {
            cancel();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Reading stops while an exchange is in flight, so bytes arriving here begin (or continue) a request.
        if (msg instanceof ByteBuf && timer == null) {
            timer = ctx.executor().schedule(() -> expire(ctx), timeoutMillis, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    private void expire(ChannelHandlerContext ctx) {
        timer = null;
        ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT_ANSWER)).addListener(ChannelFutureListener.CLOSE);
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
