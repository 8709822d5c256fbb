package io.mcpguard.proxy.policy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Where the policy stage gets the {@link Subject} of a request. The identity stage implements it (a verified JWT
 * or API key, established on the headers before the body was read); until then every request is {@link
 * Subject#ANONYMOUS}. Called on the connection's event loop, so it must not block: an implementation that needs
 * I/O does it earlier, in its own pipeline stage, and hands the result over (a channel attribute, say).
 */
@FunctionalInterface
public interface SubjectResolver {

    /** Everyone is anonymous: what the proxy does until an identity stage is configured. */
    SubjectResolver ANONYMOUS = (ctx, request) -> Subject.ANONYMOUS;

    Subject subjectOf(ChannelHandlerContext ctx, HttpRequest request);
}
