package io.mcpguard.proxy.stdio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The answer to one request that asked for progress: plain JSON while the child reports none, and a server-sent event
 * stream from its first progress notification on — each notification one event, the answer the last. Lives on the
 * connection's event loop: progress arrives from the child's reader thread and is handed over in order, before the
 * answer that follows it.
 */
final class ProgressStream {
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final ObjectMapper json;
    private boolean started;
    private boolean finished;

    ProgressStream(ChannelHandlerContext ctx, boolean keepAlive, ObjectMapper json) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.json = json;
    }

    /** A progress notification of the child's, from any thread. */
    void progress(ObjectNode notification) {
        byte[] event;
        try {
            event = json.writeValueAsBytes(notification);
        } catch (JsonProcessingException e) {
            return; // a tree the mapper read always serialises
        }
        ctx.executor().execute(() -> {
            if (finished || !ctx.channel().isActive()) {
                return;
            }
            if (!started) {
                started = true;
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers()
                        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
                HttpUtil.setTransferEncodingChunked(head, true);
                HttpUtil.setKeepAlive(head, keepAlive);
                ctx.write(head);
            }
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(event(event))));
        });
    }

    /** Whether the answer has become a stream (on the event loop). */
    boolean started() {
        return started;
    }

    /** The stream's last event, the answer, and its end (on the event loop, once the stream has started). */
    void finish(byte[] answer) {
        finished = true;
        var written = ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(event(answer))));
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Ends the answer without one more event: what follows could not be read. */
    void abandon() {
        finished = true;
    }

    private static byte[] event(byte[] data) {
        byte[] prefix = "data: ".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[prefix.length + data.length + 2];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(data, 0, out, prefix.length, data.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }
}
