package io.mcpguard.proxy.auth;

import io.mcpguard.proxy.http.RequestTiming;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * A stage that decides on a request's headers, before its body is aggregated, and may answer it itself. What it
 * answers is not passed on: a body that already arrived is dropped, and a body still to come means the answer
 * closes the connection (an unauthenticated client's body is never read). One instance per connection.
 */
abstract class HeaderStage extends ChannelDuplexHandler {
    private boolean discarding;

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            discarding = false;
        } else if (discarding && msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof LastHttpContent) {
                discarding = false;
                RequestTiming.requestReceived(ctx);
            }
            return;
        }
        read(ctx, msg);
    }

    /** A message this stage is not discarding. */
    abstract void read(ChannelHandlerContext ctx, Object msg);

    /**
     * Ends a request this stage answers itself; returns whether the answer may keep the connection open — only
     * when no body is still to come.
     */
    final boolean endRequest(ChannelHandlerContext ctx, HttpRequest request) {
        boolean complete = request instanceof LastHttpContent || !expectsBody(request.headers());
        boolean keepAlive = complete && HttpUtil.isKeepAlive(request);
        ReferenceCountUtil.release(request);
        if (complete) {
            RequestTiming.requestReceived(ctx);
        } else {
            discarding = true;
        }
        return keepAlive;
    }

    private static boolean expectsBody(HttpHeaders headers) {
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        return headers.containsValue(HttpHeaderNames.TRANSFER_ENCODING, "chunked", true)
                || (length != null && !length.trim().equals("0"));
    }
}
