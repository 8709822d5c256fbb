package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.util.concurrent.TimeUnit;

/**
 * Collects a request body up to {@code limits.max-body-bytes}. A larger body, announced or discovered while
 * streaming, is answered 413 with a JSON-RPC error before anything is parsed, and the connection is closed.
 *
 * <p>Not at once: closing a socket with unread input makes the kernel reset the connection, and a client still
 * sending its body would then lose the 413 it has not read yet. So the connection lingers for {@value
 * #LINGER_MILLIS} ms, reading and discarding (this aggregator drops the rest of an oversized message), and then
 * closes; the request-read deadline still bounds a client that keeps trickling.
 */
final class BodyLimitAggregator extends HttpObjectAggregator {
    static final long LINGER_MILLIS = 1_000;

    private final HttpAnswers answers;
    private final int maxBodyBytes;

    BodyLimitAggregator(int maxBodyBytes, HttpAnswers answers) {
        super(maxBodyBytes, true);
        this.answers = answers;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        Refusal refusal = new Refusal(
                null, ErrorCode.BODY_TOO_LARGE, "request body exceeds the limit of " + maxBodyBytes + " bytes", null);
        if (oversized instanceof HttpRequest) {
            ExchangeLog.of(ctx.channel())
                    .refused(
                            Outcome.TOO_LARGE,
                            ErrorCode.BODY_TOO_LARGE.httpStatus().code(),
                            ErrorCode.BODY_TOO_LARGE,
                            "request body exceeds the limit of " + maxBodyBytes + " bytes");
        }
        // Written from the keep-alive stage's position, so the answer is encoded but that stage does not close the
        // connection the moment the answer is out.
        ChannelHandlerContext keepAlive = ctx.pipeline().context(HttpServerKeepAliveHandler.class);
        (keepAlive != null ? keepAlive : ctx)
                .writeAndFlush(answers.closingResponse(refusal))
                .addListener(
                        written -> ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS));
    }
}
