package io.mcpguard.proxy.http;

import io.netty.channel.ChannelHandlerContext;

/**
 * The signal that a whole request has been read, for the request-read deadline that sits before the HTTP codec.
 * Whichever stage answers a request (or passes it on complete) sends it through the whole pipeline, so the stages
 * that answer need not know where the deadline lives.
 */
public enum RequestTiming {
    /** A whole request was read; the request-read deadline stops. */
    RECEIVED;

    /** Called on the event loop by any stage, once the whole request was read. */
    public static void requestReceived(ChannelHandlerContext anyContext) {
        anyContext.pipeline().fireUserEventTriggered(RECEIVED);
    }
}
