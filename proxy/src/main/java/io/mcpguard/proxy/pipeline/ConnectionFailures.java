package io.mcpguard.proxy.pipeline;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** The pipeline's last stage: a connection that failed is logged (without the client's data) and closed. */
@ChannelHandler.Sharable
final class ConnectionFailures extends ChannelInboundHandlerAdapter {
    static final ConnectionFailures INSTANCE = new ConnectionFailures();
    private static final Logger log = LoggerFactory.getLogger(ConnectionFailures.class);

    private ConnectionFailures() {}

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A client resetting its connection is ordinary (a CLI exiting); anything else deserves attention.
        Level level = cause instanceof IOException ? Level.DEBUG : Level.WARN;
        log.atLevel(level)
                .addKeyValue("error", cause.getClass().getSimpleName())
                .log("client connection failed");
        ctx.close();
    }
}
