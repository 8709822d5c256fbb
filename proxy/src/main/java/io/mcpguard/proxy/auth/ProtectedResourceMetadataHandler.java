package io.mcpguard.proxy.auth;

import io.mcpguard.proxy.http.HttpAnswers;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * Serves the OAuth 2.0 Protected Resource Metadata (RFC 9728) at {@code /.well-known/oauth-protected-resource}
 * and {@code /.well-known/oauth-protected-resource<mcp.path>}, without a credential: it is how an MCP client
 * learns which authorization server to ask. Not served when authentication is off (there is nothing to point to).
 */
public final class ProtectedResourceMetadataHandler extends HeaderStage {
    private final Authenticator authenticator;
    private final HttpAnswers answers;
    private final String mcpPath;

    public ProtectedResourceMetadataHandler(Authenticator authenticator, HttpAnswers answers, String mcpPath) {
        this.authenticator = authenticator;
        this.answers = answers;
        this.mcpPath = mcpPath;
    }

    @Override
    void read(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)
                || !request.decoderResult().isSuccess()
                || !authenticator.required()) {
            ctx.fireChannelRead(msg);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).rawPath();
        if (!path.equals(Challenges.WELL_KNOWN) && !path.equals(Challenges.WELL_KNOWN + mcpPath)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpMethod method = request.method();
        boolean keepAlive = endRequest(ctx, request);
        if (!HttpMethod.GET.equals(method)) {
            answers.text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "metadata is read with GET", keepAlive, "GET");
            return;
        }
        answers.json(ctx, HttpResponseStatus.OK, authenticator.challenges().metadata(), keepAlive);
    }
}
