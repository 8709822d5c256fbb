package io.mcpguard.proxy.forward;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * An answer the proxy composes itself in the server's place (the era bridge's {@code server/discover}), sent through
 * the same inspection as a relayed one, with the same headers, and reported to the listener the same way.
 */
final class LocalAnswer {
    private LocalAnswer() {}

    static void write(ChannelHandlerContext client, byte[] json, AnswerInspector inspector, RelayListener listener) {
        listener.responded(HttpResponseStatus.OK.code());
        byte[] bytes = new AnswerReading(inspector).inspectBody(json);
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set("X-Content-Type-Options", "nosniff")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        Relay.reportMasked(inspector, listener);
        client.writeAndFlush(response).addListener(written -> {
            if (written.isSuccess()) {
                listener.completed();
            } else {
                client.close();
                listener.interrupted("cannot write to the client", true);
            }
        });
    }
}
