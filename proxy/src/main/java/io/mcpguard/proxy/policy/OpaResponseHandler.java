package io.mcpguard.proxy.policy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Hands OPA's answer on one pooled connection to the exchange waiting for it. One exchange at a time per
 * connection (no pipelining), and all state is touched on the connection's event loop only.
 */
final class OpaResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {

    interface Exchange {
        void onResponse(FullHttpResponse response);

        void onFailure(String why);
    }

    private volatile Exchange current;

    void begin(Exchange exchange) {
        current = exchange;
    }

    boolean inFlight() {
        return current != null;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        Exchange exchange = current;
        current = null;
        if (!HttpUtil.isKeepAlive(response)) {
            ctx.close();
        }
        if (exchange == null) {
            ctx.close(); // an answer nobody asked for: this connection cannot be trusted any more
            return;
        }
        exchange.onResponse(response);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange exchange = current;
        current = null;
        if (exchange != null) {
            exchange.onFailure("policy engine closed the connection before answering");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange exchange = current;
        current = null;
        if (exchange != null) {
            exchange.onFailure("policy engine connection failed");
        }
        ctx.close();
    }
}
