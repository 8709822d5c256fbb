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
 * Two deadlines on reading a request, so a client that is silent or trickles (slowloris) cannot hold a connection
 * and its buffers: its header must be complete within {@code limits.header-timeout} — counted from the moment the
 * connection opens for its first request, so a connection that never sends a byte is closed just as soon — and the
 * whole request within {@code limits.request-read-timeout} of its first byte. Sits before the HTTP codec, where it
 * sees raw bytes; the stages tell it ({@link RequestTiming}) when a header and a whole request have arrived. On
 * expiry it answers 408 itself, as raw bytes (the codec may be mid-request), and closes.
 */
final class RequestReadTimeoutHandler extends ChannelInboundHandlerAdapter {
    private static final byte[] TIMEOUT_ANSWER =
            ("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 30\r\n"
                            + "Connection: close\r\n\r\nrequest not received in time\r\n")
                    .getBytes(StandardCharsets.US_ASCII);

    private final long headerTimeoutMillis;
    private final long requestTimeoutMillis;
    private ScheduledFuture<?> headerTimer;
    private ScheduledFuture<?> requestTimer;

    RequestReadTimeoutHandler(long headerTimeoutMillis, long requestTimeoutMillis) {
        this.headerTimeoutMillis = headerTimeoutMillis;
        this.requestTimeoutMillis = requestTimeoutMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        headerTimer = schedule(ctx, headerTimeoutMillis);
        ctx.fireChannelActive();
    }

    /** A stage saw a whole header, or a whole request: the deadlines it ends stop; the event ends here. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == RequestTiming.HEADER_RECEIVED) {
            headerTimer = cancel(headerTimer);
            return;
        }
        if (evt == RequestTiming.RECEIVED) {
            headerTimer = cancel(headerTimer);
            requestTimer = cancel(requestTimer);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Reading stops while an exchange is in flight, so bytes arriving here begin (or continue) a request.
        if (msg instanceof ByteBuf && requestTimer == null) {
            requestTimer = schedule(ctx, requestTimeoutMillis);
            if (headerTimer == null) {
                headerTimer = schedule(ctx, headerTimeoutMillis);
            }
        }
        ctx.fireChannelRead(msg);
    }

    private ScheduledFuture<?> schedule(ChannelHandlerContext ctx, long millis) {
        return ctx.executor().schedule(() -> expire(ctx), millis, TimeUnit.MILLISECONDS);
    }

    private void expire(ChannelHandlerContext ctx) {
        headerTimer = cancel(headerTimer);
        requestTimer = cancel(requestTimer);
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT_ANSWER)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        headerTimer = cancel(headerTimer);
        requestTimer = cancel(requestTimer);
        ctx.fireChannelInactive();
    }

    private static ScheduledFuture<?> cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
        return null;
    }
}
