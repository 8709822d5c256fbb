package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.audit.AuditTrail;
import io.mcpguard.proxy.auth.AuthenticationHandler;
import io.mcpguard.proxy.auth.Authenticator;
import io.mcpguard.proxy.auth.ProtectedResourceMetadataHandler;
import io.mcpguard.proxy.auth.SessionBindingHandler;
import io.mcpguard.proxy.config.ProxyConfig;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The client-side pipeline, which is the proxy's request path read top to bottom: connection limit, idle limit,
 * request-read deadline, HTTP codec with header limits, keep-alive, no request behind a server stream, Host/Origin
 * allow-list, resource metadata, authentication and session binding (on headers alone, before any body is read),
 * body limit, then the MCP endpoint (decode → policy → forward).
 */
public final class ProxyChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final ProxyConfig.Listen listen;
    private final ProxyConfig.Limits limits;
    private final ConnectionLimiter connectionLimiter;
    private final HttpAnswers answers;
    private final McpEndpointHandler endpoint;
    private final Authenticator authenticator;
    private final String mcpPath;
    private final AuditTrail audit;

    public ProxyChannelInitializer(
            ProxyConfig.Listen listen,
            ProxyConfig.Limits limits,
            HttpAnswers answers,
            Authenticator authenticator,
            String mcpPath,
            McpEndpointHandler endpoint,
            AuditTrail audit) {
        this.audit = audit;
        this.authenticator = authenticator;
        this.mcpPath = mcpPath;
        this.listen = listen;
        this.limits = limits;
        this.connectionLimiter = new ConnectionLimiter(limits.maxConnections());
        this.answers = answers;
        this.endpoint = endpoint;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxChunkSize(64 * 1024);
        ch.pipeline()
                .addLast("connection-limit", connectionLimiter)
                .addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                .addLast("idle-close", IdleConnectionCloser.INSTANCE)
                .addLast(
                        "read-deadline",
                        new RequestReadTimeoutHandler(
                                limits.requestReadTimeout().toMillis()))
                .addLast("http", new HttpServerCodec(decoderConfig))
                .addLast("keep-alive", new HttpServerKeepAliveHandler())
                .addLast("stream-guard", StreamGuard.INSTANCE)
                .addLast("origin", new OriginGuard(listen, answers, audit))
                .addLast("metadata", new ProtectedResourceMetadataHandler(authenticator, answers, mcpPath))
                .addLast("authenticate", new AuthenticationHandler(authenticator, answers, mcpPath, audit))
                .addLast("sessions", new SessionBindingHandler(authenticator, answers, audit))
                .addLast("body-limit", new BodyLimitAggregator(limits.maxBodyBytes(), answers, audit))
                .addLast("mcp", endpoint);
    }
}
