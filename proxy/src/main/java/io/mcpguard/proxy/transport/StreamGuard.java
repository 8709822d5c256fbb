package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.pipeline.ForwardStage;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection on which a request arrives while the server's GET stream is relayed on it. A stream has no end
 * the client could wait for, so such a request comes from a broken client; and the stages behind this one (identity,
 * session binding) keep the state of the request in flight, which a second request must not overwrite. The endpoint
 * keeps one read pending during a stream only to notice the client leaving.
 */
@ChannelHandler.Sharable
final class StreamGuard extends ChannelInboundHandlerAdapter {
    static final StreamGuard INSTANCE = new StreamGuard();
    private static final Logger log = LoggerFactory.getLogger(StreamGuard.class);

    private StreamGuard() {}

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if ((msg instanceof HttpRequest || msg instanceof HttpContent)
                && ctx.channel().attr(ForwardStage.SERVER_STREAM).get() != null) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof HttpRequest) {
                log.atDebug().log("request sent on a connection carrying the server's stream; closing it");
            }
            ctx.close();
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
