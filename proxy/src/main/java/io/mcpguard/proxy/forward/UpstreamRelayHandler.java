package io.mcpguard.proxy.forward;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of a pooled upstream connection: hands what the server sends to the relay using the connection,
 * and closes the connection when it idles in the pool (before the server's own idle timeout can race a request).
 */
final class UpstreamRelayHandler extends ChannelInboundHandlerAdapter {
    private Relay relay;

    void begin(Relay relay) {
        this.relay = relay;
    }

    void end(Relay finished) {
        if (relay == finished) {
            relay = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (relay == null) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // bytes nobody asked for: the connection is out of step
            return;
        }
        relay.onUpstreamMessage(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (relay != null) {
            relay.onUpstreamClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && relay == null) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
