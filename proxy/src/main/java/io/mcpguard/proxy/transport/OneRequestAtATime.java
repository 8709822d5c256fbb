package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.http.RequestTiming;
import io.mcpguard.proxy.pipeline.ForwardStage;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Serves a connection's requests strictly one at a time, pipelined or not. The HTTP codec decodes every request in
 * the bytes it holds in one go, whatever the channel's auto-read says, so without this stage a client that pipelines
 * gets its requests run concurrently — unbounded concurrency per connection, and the per-connection state of the
 * stages behind (identity, session binding, budgets) overwritten by the next request.
 *
 * <p>A request is in flight from its head until both its last content has passed in and its answer's last content
 * (not a {@code 100 Continue}) has been written. What arrives meanwhile waits here, in order, and the socket is not
 * read while anything waits, so the queue holds at most what one read brought. A client pipelining behind the
 * server's stream, which has no end to wait for, is disconnected (as {@link StreamGuard} does for a request sent
 * during one).
 */
final class OneRequestAtATime extends ChannelDuplexHandler {
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private boolean requestInFlight;
    private boolean requestRead;
    private boolean answerWritten;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            RequestTiming.headerReceived(ctx); // a waiting request's header is in, whatever becomes of it
        }
        if (!waiting.isEmpty() || (requestInFlight && msg instanceof HttpRequest)) {
            waiting.add(msg);
            return;
        }
        pass(ctx, msg);
    }

    private void pass(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            requestInFlight = true;
            requestRead = false;
            answerWritten = false;
        }
        if (msg instanceof LastHttpContent) {
            requestRead = true;
        }
        ctx.fireChannelRead(msg);
        if (msg instanceof LastHttpContent) {
            endIfDone(ctx);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean last = msg instanceof LastHttpContent && !isInterim(msg);
        ctx.write(msg, promise);
        if (last && requestInFlight) {
            answerWritten = true;
            // Not from inside the write: the next request's stages may write themselves.
            ctx.executor().execute(() -> endIfDone(ctx));
        }
    }

    private static boolean isInterim(Object msg) {
        return msg instanceof FullHttpResponse response
                && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (waiting.isEmpty()) {
            ctx.read();
        } else if (ctx.channel().attr(ForwardStage.SERVER_STREAM).get() != null) {
            ctx.close();
        }
        // Else the socket stays unread: what waits is served first (endIfDone), and reads resume after it.
    }

    private void endIfDone(ChannelHandlerContext ctx) {
        if (!requestInFlight || !requestRead || !answerWritten) {
            return;
        }
        requestInFlight = false;
        while (!waiting.isEmpty() && !(requestInFlight && waiting.peek() instanceof HttpRequest)) {
            pass(ctx, waiting.poll());
            if (!ctx.channel().isActive()) {
                break;
            }
        }
        if (waiting.isEmpty() && !requestInFlight && ctx.channel().config().isAutoRead()) {
            ctx.read(); // whoever asked for a read while requests waited gets it now
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    private void release() {
        Object msg;
        while ((msg = waiting.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
