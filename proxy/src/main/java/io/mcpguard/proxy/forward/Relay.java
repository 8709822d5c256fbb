package io.mcpguard.proxy.forward;

import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.transport.HopByHopHeaders;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.pool.ChannelPool;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One answer travelling from the upstream to the client, piece by piece as it arrives.
 *
 * <p>Nothing is aggregated: each SSE event the server flushes is written and flushed to the client at once.
 * Backpressure is explicit: the upstream connection does not auto-read, and the next read is asked for only when
 * the previous piece was written to the client, so a slow client slows the upstream instead of filling the heap.
 * Both connections live on the same event loop, so none of this state is shared across threads.
 */
final class Relay {
    private final ChannelHandlerContext client;
    private final Channel upstream;
    private final ChannelPool pool;
    private final RelayListener listener;
    private final ChannelFutureListener clientClosed = f -> abort("client went away");
    private ScheduledFuture<?> firstByteTimer;
    private boolean responseStarted;
    private boolean upstreamKeepAlive = true;
    private boolean done;

    Relay(ChannelHandlerContext client, Channel upstream, ChannelPool pool, RelayListener listener) {
        this.client = client;
        this.upstream = upstream;
        this.pool = pool;
        this.listener = listener;
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
            responseStarted = true;
            firstByteTimer.cancel(false);
            upstreamKeepAlive = HttpUtil.isKeepAlive(head);
            writeToClient(clientHead(head), false);
        }
        if (msg instanceof HttpContent content) {
            writeToClient(content, content instanceof LastHttpContent);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
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
        if (done) {
            return;
        }
        done = true;
        firstByteTimer.cancel(false);
        client.channel().closeFuture().removeListener(clientClosed);
        upstream.pipeline().get(UpstreamRelayHandler.class).end(this);
        upstream.close().addListener(f -> pool.release(upstream));
        if (!responseStarted && client.channel().isActive()) {
            listener.failedBeforeResponse(ErrorCode.UPSTREAM_UNAVAILABLE, why);
        } else {
            // Part of the answer already went out; the only honest signal left is to cut the connection.
            client.close();
        }
    }
}
