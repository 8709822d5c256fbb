package io.mcpguard.proxy.pipeline;

import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.http.Readiness;
import io.mcpguard.proxy.http.RequestTiming;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Routes each whole request: what the HTTP codec could not read (400, 431), the liveness probe ({@code GET
 * /healthz}), the readiness probe ({@code GET /readyz}, see {@link Readiness}), any other path (404) and any other
 * method (405) are answered here; a {@code POST}, {@code GET} or
 * {@code DELETE} to the MCP endpoint goes on into the message path, and the connection stops reading until it is
 * answered (one exchange at a time per connection).
 */
@ChannelHandler.Sharable
public final class McpRouter extends ChannelInboundHandlerAdapter {
    private static final String ALLOWED_METHODS = "GET, POST, DELETE";

    private final String mcpPath;
    private final HttpAnswers answers;
    private final Readiness readiness;

    public McpRouter(String mcpPath, HttpAnswers answers, Readiness readiness) {
        this.mcpPath = mcpPath;
        this.answers = answers;
        this.readiness = readiness;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        RequestTiming.requestReceived(ctx);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String answer = null;
        HttpResponseStatus status = null;
        String allow = null;
        if (request.decoderResult().isFailure()) {
            status = request.decoderResult().cause() instanceof TooLongFrameException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            answer = "malformed HTTP request";
            keepAlive = false;
        } else {
            String path = new QueryStringDecoder(request.uri()).rawPath();
            HttpMethod method = request.method();
            if ("/healthz".equals(path) && HttpMethod.GET.equals(method)) {
                status = HttpResponseStatus.OK;
                answer = "ok";
            } else if ("/readyz".equals(path) && HttpMethod.GET.equals(method)) {
                ReferenceCountUtil.release(request);
                ready(ctx, keepAlive);
                return;
            } else if (!mcpPath.equals(path)) {
                status = HttpResponseStatus.NOT_FOUND;
                answer = "no MCP endpoint at this path";
            } else if (!HttpMethod.POST.equals(method)
                    && !HttpMethod.GET.equals(method)
                    && !HttpMethod.DELETE.equals(method)) {
                status = HttpResponseStatus.METHOD_NOT_ALLOWED;
                answer = "the MCP endpoint accepts " + ALLOWED_METHODS;
                allow = ALLOWED_METHODS;
            }
        }
        if (answer != null) {
            ReferenceCountUtil.release(request);
            answers.text(ctx, status, answer, keepAlive, allow);
            return;
        }
        ctx.channel().config().setAutoRead(false);
        ctx.fireChannelRead(request);
    }

    /** 200 when every readiness check passes, else 503 naming what is missing; checked off the event loop. */
    private void ready(ChannelHandlerContext ctx, boolean keepAlive) {
        ctx.channel().config().setAutoRead(false);
        readiness
                .check()
                .whenCompleteAsync(
                        (report, failure) -> {
                            boolean ready = failure == null && report.ready();
                            String text = ready
                                    ? "ready"
                                    : "not ready: "
                                            + (failure != null
                                                    ? "readiness check failed"
                                                    : String.join("; ", report.problems()));
                            answers.text(
                                            ctx,
                                            ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                                            text,
                                            keepAlive,
                                            null)
                                    .addListener(f -> {
                                        if (ctx.channel().isActive()) {
                                            ctx.channel().config().setAutoRead(true);
                                            ctx.read();
                                        }
                                    });
                        },
                        ctx.executor());
    }
}
