package io.mcpguard.proxy.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/** Closes a connection on which nothing moved either way for {@code limits.idle-timeout}. */
@ChannelHandler.Sharable
final class IdleConnectionCloser extends ChannelInboundHandlerAdapter {
    static final IdleConnectionCloser INSTANCE = new IdleConnectionCloser();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
