package io.mcpguard.proxy.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.mcpguard.proxy.transport.HopByHopHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.pool.ChannelPool;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One answer travelling from the upstream to the client, piece by piece as it arrives.
 *
 * <p>Nothing is aggregated unless it must be rewritten: each SSE event the server flushes is written and flushed to
 * the client at once. When the forwarded body held a {@code tools/list} request ({@link AnswerPlan}), a JSON answer
 * is held (up to {@code maxRewriteBytes}) and sent filtered with its new length, and an SSE answer is cut into events
 * so the one event carrying the list is filtered while every other event still goes out as soon as it is complete;
 * once every planned list was seen the stream passes untouched again.
 * Backpressure is explicit: the upstream connection does not auto-read, and the next read is asked for only when
 * the previous piece was written to the client, so a slow client slows the upstream instead of filling the heap.
 * Both connections live on the same event loop, so none of this state is shared across threads.
 */
final class Relay {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ChannelHandlerContext client;
    private final Channel upstream;
    private final ChannelPool pool;
    private final RelayListener listener;
    private final ToolListFilter filter;
    private final int maxRewriteBytes;
    private final ChannelFutureListener clientClosed = f -> abort("client went away");
    private int listsPending;
    private HttpResponse heldHead;
    private CompositeByteBuf heldBody;
    private SseEventDecoder events;
    private ByteBuf eventsOut;
    private ScheduledFuture<?> firstByteTimer;
    private boolean responseStarted;
    private boolean upstreamKeepAlive = true;
    private boolean done;

    Relay(
            ChannelHandlerContext client,
            Channel upstream,
            ChannelPool pool,
            RelayListener listener,
            AnswerPlan plan,
            DeclaredTools declared,
            int maxRewriteBytes) {
        this.client = client;
        this.upstream = upstream;
        this.pool = pool;
        this.listener = listener;
        this.filter = new ToolListFilter(plan, declared);
        // A server stream may carry list results until it ends; an exchange's own answer, one per planned request.
        this.listsPending =
                plan.anyList() != null ? Integer.MAX_VALUE : plan.visibleTools().size();
        this.maxRewriteBytes = maxRewriteBytes;
    }

    void start(Object request, long firstByteTimeoutMillis) {
        client.channel().closeFuture().addListener(clientClosed);
        firstByteTimer =
                upstream.eventLoop().schedule(this::firstByteTimedOut, firstByteTimeoutMillis, TimeUnit.MILLISECONDS);
        upstream.writeAndFlush(request).addListener(written -> {
            if (written.isSuccess()) {
                upstream.read();
            } else {
                abort("cannot send the request to the MCP server");
            }
        });
    }

    void onUpstreamMessage(Object msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse head) {
            firstByteTimer.cancel(false);
            upstreamKeepAlive = HttpUtil.isKeepAlive(head);
            String type = head.headers().get(HttpHeaderNames.CONTENT_TYPE, "").toLowerCase(Locale.ROOT);
            if (listsPending > 0 && type.startsWith("application/json")) {
                heldHead = clientHead(head); // nothing reaches the client until the list is filtered
                heldBody = client.alloc().compositeBuffer(Integer.MAX_VALUE);
                if (!(msg instanceof HttpContent)) {
                    upstream.read();
                }
            } else {
                if (listsPending > 0 && type.startsWith("text/event-stream")) {
                    events = new SseEventDecoder(maxRewriteBytes, this::onEvent);
                }
                responseStarted = true;
                writeToClient(clientHead(head), false);
            }
        }
        if (msg instanceof HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            if (heldHead != null) {
                hold(content, last);
            } else if (events != null) {
                decodeEvents(content, last);
            } else {
                writeToClient(content, last);
            }
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void hold(HttpContent content, boolean last) {
        heldBody.addComponent(true, content.content().retain());
        content.release();
        if (heldBody.readableBytes() > maxRewriteBytes) {
            abort(ErrorCode.ANSWER_TOO_LARGE, "the MCP server's tools/list answer is larger than the proxy may filter");
            return;
        }
        if (!last) {
            upstream.read();
            return;
        }
        ByteBuf body = heldBody;
        heldBody = null;
        byte[] bytes = ByteBufUtil.getBytes(body);
        body.release();
        try {
            JsonNode answer = JSON.readTree(bytes);
            if (answer != null && filter.rewrite(answer)) {
                bytes = JSON.writeValueAsBytes(answer);
            }
        } catch (IOException e) {
            // Not JSON: nothing to filter in it, and the client gets exactly what the server sent.
        }
        HttpResponse head = heldHead;
        heldHead = null;
        HttpUtil.setTransferEncodingChunked(head, false);
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        responseStarted = true;
        client.write(head);
        writeToClient(new DefaultLastHttpContent(Unpooled.wrappedBuffer(bytes)), true);
    }

    private void decodeEvents(HttpContent content, boolean last) {
        eventsOut = client.alloc().buffer();
        try {
            events.feed(ByteBufUtil.getBytes(content.content()));
        } catch (SseEventDecoder.EventTooLongException e) {
            content.release();
            eventsOut.release();
            abort("an event of the MCP server's stream is larger than the proxy may filter");
            return;
        }
        content.release();
        ByteBuf out = eventsOut;
        eventsOut = null;
        if (last) {
            out.writeBytes(events.remainder());
            writeToClient(new DefaultLastHttpContent(out), true);
        } else if (out.isReadable()) {
            writeToClient(new DefaultHttpContent(out), false);
        } else {
            out.release();
            upstream.read();
        }
    }

    private void onEvent(byte[] raw) {
        byte[] rewritten = listsPending > 0 ? SseEvents.rewriteData(raw, this::rewriteJson) : null;
        eventsOut.writeBytes(rewritten == null ? raw : rewritten);
    }

    /** The rewritten JSON text of one event's data, or null when it answers no planned list. */
    private String rewriteJson(String data) {
        try {
            JsonNode message = JSON.readTree(data);
            if (message != null && filter.rewrite(message)) {
                listsPending--;
                return JSON.writeValueAsString(message);
            }
        } catch (IOException e) {
            // not JSON: not ours to rewrite
        }
        return null;
    }

    private static HttpResponse clientHead(HttpResponse upstreamHead) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, upstreamHead.status());
        head.headers().set(upstreamHead.headers());
        HopByHopHeaders.strip(head.headers());
        if (!head.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && mayHaveBody(head.status())) {
            HttpUtil.setTransferEncodingChunked(head, true);
        }
        return head;
    }

    private static boolean mayHaveBody(HttpResponseStatus status) {
        int code = status.code();
        return code >= 200 && code != 204 && code != 304;
    }

    private void writeToClient(Object piece, boolean last) {
        client.writeAndFlush(piece).addListener(written -> {
            if (!written.isSuccess()) {
                abort("cannot write to the client");
            } else if (last) {
                finish();
            } else if (!done) {
                upstream.read();
            }
        });
    }

    void onUpstreamClosed() {
        abort("MCP server closed the connection");
    }

    private void firstByteTimedOut() {
        if (!responseStarted && !done) {
            done = true;
            client.channel().closeFuture().removeListener(clientClosed);
            upstream.pipeline().get(UpstreamRelayHandler.class).end(this);
            upstream.close().addListener(f -> pool.release(upstream));
            listener.failedBeforeResponse(ErrorCode.UPSTREAM_TIMEOUT, "MCP server did not answer in time");
        }
    }

    private void finish() {
        if (done) {
            return;
        }
        done = true;
        client.channel().closeFuture().removeListener(clientClosed);
        upstream.pipeline().get(UpstreamRelayHandler.class).end(this);
        if (upstreamKeepAlive && upstream.isActive()) {
            pool.release(upstream);
        } else {
            upstream.close().addListener(f -> pool.release(upstream));
        }
        listener.completed();
    }

    private void abort(String why) {
        abort(ErrorCode.UPSTREAM_UNAVAILABLE, why);
    }

    private void abort(ErrorCode code, String why) {
        if (done) {
            return;
        }
        if (heldBody != null) {
            heldBody.release();
            heldBody = null;
        }
        done = true;
        firstByteTimer.cancel(false);
        client.channel().closeFuture().removeListener(clientClosed);
        upstream.pipeline().get(UpstreamRelayHandler.class).end(this);
        upstream.close().addListener(f -> pool.release(upstream));
        if (!responseStarted && client.channel().isActive()) {
            listener.failedBeforeResponse(code, why);
        } else {
            // Part of the answer already went out; the only honest signal left is to cut the connection.
            client.close();
        }
    }
}
