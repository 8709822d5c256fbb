package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;

/**
 * Collects a request body up to {@code limits.max-body-bytes}. A larger body, announced or discovered while
 * streaming, is answered 413 with a JSON-RPC error and the connection is closed, before anything is parsed.
 */
final class BodyLimitAggregator extends HttpObjectAggregator {
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
        // Close: the rest of the body may still be arriving and will not be read.
        answers.reject(ctx, refusal, false).addListener(ChannelFutureListener.CLOSE);
    }
}
