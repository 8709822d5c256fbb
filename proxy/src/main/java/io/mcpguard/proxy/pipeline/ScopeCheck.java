package io.mcpguard.proxy.pipeline;

import io.mcpguard.proxy.auth.AuthenticationHandler;
import io.mcpguard.proxy.auth.Authenticator;
import io.mcpguard.proxy.auth.Identity;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.Set;

/**
 * The scope stage: refuses, with 403 {@code insufficient_scope} and a challenge naming what is needed, a body with a
 * message whose method or tool needs an OAuth scope the credential was not granted ({@code auth.method-scopes},
 * {@code auth.tool-scopes}). Scopes are the client's consent; the policy still decides everything they allow.
 */
@ChannelHandler.Sharable
public final class ScopeCheck extends SimpleChannelInboundHandler<Exchange> {
    private final Authenticator authenticator;
    private final Replies replies;

    ScopeCheck(Authenticator authenticator, Replies replies) {
        super(false);
        this.authenticator = authenticator;
        this.replies = replies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Exchange exchange) {
        if (!exchange.hasMessages() || !authenticator.required()) {
            ctx.fireChannelRead(exchange);
            return;
        }
        Identity identity = AuthenticationHandler.identityOf(ctx);
        for (JsonRpcMessage message : exchange.body().messages()) {
            Set<String> needed = authenticator.scopes().requiredFor(message);
            if (!identity.scopes().containsAll(needed)) {
                exchange.log().scopesNeeded(needed);
                exchange.log()
                        .refused(
                                Outcome.INSUFFICIENT_SCOPE,
                                ErrorCode.INSUFFICIENT_SCOPE.httpStatus().code(),
                                ErrorCode.INSUFFICIENT_SCOPE,
                                "a scope this request needs is missing");
                Refusal refusal = new Refusal(
                        exchange.body().batch() ? null : message.id(),
                        ErrorCode.INSUFFICIENT_SCOPE,
                        "Insufficient scope: this request needs " + String.join(" ", needed),
                        null);
                replies.challenge(
                        ctx,
                        refusal.code(),
                        refusal.toJson(),
                        authenticator.challenges().insufficientScope(needed, "a required scope is missing"),
                        exchange.keepAlive());
                return;
            }
        }
        ctx.fireChannelRead(exchange);
    }
}
