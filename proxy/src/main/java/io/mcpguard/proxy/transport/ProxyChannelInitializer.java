package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.auth.AuthenticationHandler;
import io.mcpguard.proxy.auth.Authenticator;
import io.mcpguard.proxy.auth.ClientCertificates;
import io.mcpguard.proxy.auth.ProtectedResourceMetadataHandler;
import io.mcpguard.proxy.auth.SessionBindingHandler;
import io.mcpguard.proxy.auth.SubjectBudgetHandler;
import io.mcpguard.proxy.budget.Budgets;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeObserver;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.pipeline.ExchangeLogStage;
import io.mcpguard.proxy.pipeline.MessagePath;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-side pipeline, which is the proxy's request path read top to bottom: connection limit, TLS (when the
 * listener has it; see {@link ListenerTls}), idle limit,
 * header and request-read deadlines, HTTP codec with header limits, no request behind a server stream, one request
 * at a time, keep-alive, the exchange
 * log (which the audit trail reads when the exchange completes), Host/Origin allow-list, resource metadata,
 * authentication, session binding and the subject's budgets (on headers alone, before any body is read), body
 * limit, then the message path
 * ({@link MessagePath}: route → decode → scope → decide → quota → forward).
 */
public final class ProxyChannelInitializer extends ChannelInitializer<SocketChannel> {
    private static final Logger log = LoggerFactory.getLogger(ProxyChannelInitializer.class);

    /**
     * What the connection stages are made of, besides the message path.
     *
     * @param observer reads each exchange's log when it completes (the audit trail)
     * @param tls the listener's TLS, or null for plain HTTP
     * @param clientCertificates who a client certificate identifies, or null when the listener takes none
     * @param budgets what one address or subject may hold at once
     */
    public record Parts(
            ProxyConfig.Listen listen,
            ProxyConfig.Limits limits,
            String mcpPath,
            HttpAnswers answers,
            Authenticator authenticator,
            ExchangeObserver observer,
            MessagePath messagePath,
            ListenerTls tls,
            ClientCertificates clientCertificates,
            Budgets budgets) {}

    private final Parts parts;
    private final ConnectionLimiter connectionLimiter;
    private final ExchangeLogStage exchangeLog;

    public ProxyChannelInitializer(Parts parts) {
        this.parts = parts;
        this.connectionLimiter = new ConnectionLimiter(
                parts.limits().maxConnections(), parts.budgets().connectionsPerAddress());
        this.exchangeLog = new ExchangeLogStage(parts.observer());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ProxyConfig.Limits limits = parts.limits();
        HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxChunkSize(64 * 1024);
        HttpAnswers answers = parts.answers();
        Authenticator authenticator = parts.authenticator();
        ch.pipeline().addLast("connection-limit", connectionLimiter);
        if (parts.tls() != null) {
            // First after the connection limit: everything above it reads plain HTTP. The context is the one
            // current now, so a certificate rotated later leaves this connection's session alone.
            SslHandler tls = parts.tls().newHandler(ch.alloc());
            tls.handshakeFuture().addListener(done -> {
                if (!done.isSuccess()) {
                    // A refused client certificate or protocol version is a security signal, like a refused token.
                    log.atInfo()
                            .addKeyValue("event.name", "security.tls_handshake_failed")
                            .addKeyValue("client.address", String.valueOf(ch.remoteAddress()))
                            .addKeyValue("reason", String.valueOf(done.cause().getMessage()))
                            .log("TLS handshake refused");
                }
            });
            ch.pipeline().addLast("tls", tls);
        }
        ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                .addLast("idle-close", IdleConnectionCloser.INSTANCE)
                .addLast(
                        "read-deadline",
                        new RequestReadTimeoutHandler(
                                Math.min(
                                        limits.headerTimeout().toMillis(),
                                        limits.requestReadTimeout().toMillis()),
                                limits.requestReadTimeout().toMillis()))
                .addLast("http", new HttpServerCodec(decoderConfig))
                .addLast("stream-guard", StreamGuard.INSTANCE)
                .addLast("one-at-a-time", new OneRequestAtATime())
                .addLast("keep-alive", new HttpServerKeepAliveHandler())
                .addLast("exchange-log", exchangeLog)
                .addLast("origin", new OriginGuard(parts.listen(), answers))
                .addLast("metadata", new ProtectedResourceMetadataHandler(authenticator, answers, parts.mcpPath()))
                .addLast(
                        "authenticate",
                        new AuthenticationHandler(authenticator, answers, parts.mcpPath(), parts.clientCertificates()))
                .addLast("sessions", new SessionBindingHandler(authenticator, answers))
                .addLast(
                        "budgets",
                        new SubjectBudgetHandler(
                                parts.budgets().inFlight(), parts.budgets().streams(), answers))
                .addLast("body-limit", new BodyLimitAggregator(limits.maxBodyBytes(), answers));
        parts.messagePath().addTo(ch.pipeline());
    }
}
