package io.mcpguard.proxy.forward;

import io.mcpguard.proxy.http.HopByHopHeaders;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.policy.DeclaredTools;
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
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One answer travelling from the upstream to the client, piece by piece as it arrives, inspected on the way.
 *
 * <p>Every JSON-RPC message of the answer goes through an {@link AnswerInspector} (tool-list filtering, error
 * sanitising, masking as the decision said). A JSON answer is held (up to {@code maxRewriteBytes}) and sent
 * rewritten with its new length. An SSE answer is cut into events and each event is inspected and written to the
 * client as soon as it is complete, so the stream is never buffered whole; an event larger than {@code
 * maxRewriteBytes} closes the stream rather than pass uninspected. An upstream HTTP error (status 400 or more) keeps
 * its status, and its body becomes a clean JSON-RPC error ({@link io.mcpguard.proxy.mask.UpstreamErrorSanitizer}).
 * Backpressure is explicit: the upstream connection does not auto-read, and the next read is asked for only when
 * the previous piece was written to the client, so a slow client slows the upstream instead of filling the heap.
 * Both connections live on the same event loop, so none of this state is shared across threads.
 */
final class Relay {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);
    private final ChannelHandlerContext client;
    private final Channel upstream;
    private final ChannelPool pool;
    private final RelayListener listener;
    private final AnswerInspector inspector;
    private final AnswerReading reading;
    private final int maxRewriteBytes;
    private final ChannelFutureListener clientClosed = f -> abort("client went away");
    private HttpResponse heldHead;
    private CompositeByteBuf heldBody;
    private SseEventDecoder events;
    /** The held answer is of a media type the inspector cannot read: refused unless it turns out empty. */
    private boolean uninspectable;

    private ByteBuf eventsOut;
    private ScheduledFuture<?> firstByteTimer;
    private boolean responseStarted;
    private boolean upstreamKeepAlive = true;
    private boolean done;
    private final boolean bridged;

    Relay(
            ChannelHandlerContext client,
            Channel upstream,
            ChannelPool pool,
            RelayListener listener,
            AnswerPlan plan,
            DeclaredTools declared,
            AnswerInspection inspection,
            int maxRewriteBytes) {
        this.client = client;
        this.upstream = upstream;
        this.pool = pool;
        this.listener = listener;
        this.inspector = inspection.forAnswer(plan, declared, listener);
        this.reading = new AnswerReading(inspector);
        this.maxRewriteBytes = maxRewriteBytes;
        this.bridged = plan.isBridged();
    }

    void start(Object request, long firstByteTimeoutMillis) {
        // The timer first: a client already gone runs the close listener at once, and its abort cancels the timer.
        firstByteTimer =
                upstream.eventLoop().schedule(this::firstByteTimedOut, firstByteTimeoutMillis, TimeUnit.MILLISECONDS);
        client.channel().closeFuture().addListener(clientClosed);
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
            listener.responded(head.status().code());
            upstreamKeepAlive = HttpUtil.isKeepAlive(head);
            String refusal = AnswerReading.uninspectableEncoding(head);
            if (refusal != null) {
                ReferenceCountUtil.release(msg);
                abort(ErrorCode.ANSWER_NOT_INSPECTABLE, refusal);
                return;
            }
            String type = head.headers().get(HttpHeaderNames.CONTENT_TYPE, "").toLowerCase(Locale.ROOT);
            boolean failed = head.status().code() >= 400;
            boolean json = type.startsWith("application/json");
            boolean stream = type.startsWith("text/event-stream");
            if (stream && !failed) {
                events = new SseEventDecoder(maxRewriteBytes, this::onEvent);
                responseStarted = true;
                HttpResponse clientHead = clientHead(head, bridged);
                // Events are rewritten, so the upstream's length no longer describes the body.
                clientHead.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
                HttpUtil.setTransferEncodingChunked(clientHead, true);
                writeToClient(clientHead, false);
            } else if (mayHaveBody(head.status())) {
                // Nothing reaches the client until the answer is inspected. An error body is cleaned whatever its
                // type; a success of a type the inspector cannot read is refused unless it is empty.
                uninspectable = !failed && !json;
                heldHead = clientHead(head, bridged);
                heldBody = client.alloc().compositeBuffer(Integer.MAX_VALUE);
                if (!(msg instanceof HttpContent)) {
                    upstream.read();
                }
            } else {
                responseStarted = true;
                writeToClient(clientHead(head, bridged), false);
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
            abort(ErrorCode.ANSWER_TOO_LARGE, "the MCP server's answer is larger than the proxy may inspect");
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
        HttpResponse head = heldHead;
        heldHead = null;
        if (uninspectable && bytes.length > 0) {
            abort(
                    ErrorCode.ANSWER_NOT_INSPECTABLE,
                    "the MCP server answered with a media type the proxy cannot inspect");
            return;
        }
        if (head.status().code() >= 400) {
            bytes = reading.errorAnswer(head, bytes);
        } else {
            bytes = reading.inspectBody(bytes);
        }
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
            abort("an event of the MCP server's stream is larger than the proxy may inspect");
            return;
        }
        content.release();
        ByteBuf out = eventsOut;
        eventsOut = null;
        if (last) {
            if (events.endedMidEvent()) {
                log.atDebug().log("the MCP server's stream ended mid-event; the unfinished event is dropped");
            }
            writeToClient(new DefaultLastHttpContent(out), true);
        } else if (out.isReadable()) {
            writeToClient(new DefaultHttpContent(out), false);
        } else {
            out.release();
            upstream.read();
        }
    }

    private void onEvent(byte[] raw) {
        byte[] rewritten = SseEvents.rewriteData(raw, reading::inspectEventData);
        eventsOut.writeBytes(rewritten == null ? raw : rewritten);
    }

    private static HttpResponse clientHead(HttpResponse upstreamHead, boolean bridged) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, upstreamHead.status());
        head.headers().set(upstreamHead.headers());
        HopByHopHeaders.strip(head.headers());
        if (bridged) {
            // The server's session is the bridge's, held for the subject; a 2026-07-28 client has no sessions.
            head.headers().remove("Mcp-Session-Id");
        }
        // The server's software and version are not the client's business; an answer is never cached or sniffed.
        head.headers().remove(HttpHeaderNames.SERVER);
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        head.headers().set("X-Content-Type-Options", "nosniff");
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
        reportMasked();
        client.channel().closeFuture().removeListener(clientClosed);
        upstream.pipeline().get(UpstreamRelayHandler.class).end(this);
        if (upstreamKeepAlive && upstream.isActive()) {
            pool.release(upstream);
        } else {
            upstream.close().addListener(f -> pool.release(upstream));
        }
        listener.completed();
    }

    /** Counts, never values: one structured line per answer that had anything masked, and the listener's call. */
    private void reportMasked() {
        reportMasked(inspector, listener);
    }

    static void reportMasked(AnswerInspector inspector, RelayListener listener) {
        MaskCounts counts = inspector.counts();
        if (counts.isEmpty()) {
            return;
        }
        var line = log.atInfo().addKeyValue("event.name", "mask.counts").addKeyValue("mask.total", counts.total());
        for (var entry : counts.byClass().entrySet()) {
            line = line.addKeyValue("mask." + entry.getKey().wireName(), entry.getValue());
        }
        line.addKeyValue("mask.classifiers", counts.byClassifier()).log("answer masked");
        listener.masked(counts);
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
        reportMasked();
        firstByteTimer.cancel(false);
        client.channel().closeFuture().removeListener(clientClosed);
        upstream.pipeline().get(UpstreamRelayHandler.class).end(this);
        upstream.close().addListener(f -> pool.release(upstream));
        if (!responseStarted && client.channel().isActive()) {
            listener.failedBeforeResponse(code, why);
        } else {
            // Part of the answer already went out; the only honest signal left is to cut the connection.
            boolean clientGone = !client.channel().isActive();
            client.close();
            listener.interrupted(why, clientGone);
        }
    }
}
