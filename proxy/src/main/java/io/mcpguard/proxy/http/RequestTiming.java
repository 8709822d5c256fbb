package io.mcpguard.proxy.http;

import io.netty.channel.ChannelHandlerContext;

/**
 * The signals that a request's header, and then the whole request, have been read, for the read deadlines that sit
 * before the HTTP codec. Whichever stage sees it sends it through the whole pipeline, so the stages need not know
 * where the deadlines live.
 */
public enum RequestTiming {
    /** A request's header was read; the header deadline stops. */
    HEADER_RECEIVED,
    /** A whole request was read; both deadlines stop. */
    RECEIVED;

    /** Called on the event loop by the stage that first sees a request's head. */
    public static void headerReceived(ChannelHandlerContext anyContext) {
        anyContext.pipeline().fireUserEventTriggered(HEADER_RECEIVED);
    }

    /** Called on the event loop by any stage, once the whole request was read. */
    public static void requestReceived(ChannelHandlerContext anyContext) {
        anyContext.pipeline().fireUserEventTriggered(RECEIVED);
    }
}
