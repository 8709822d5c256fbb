package io.mcpguard.proxy.forward;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.config.TlsSettings;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.AbstractChannelPoolMap;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * Sends client requests to the guarded MCP server on pooled keep-alive connections and relays the answers.
 *
 * <p>There is one pool per event loop, and a request always uses the pool of its client connection's loop, so a
 * forwarded message never changes threads. Each streaming (SSE) answer holds its connection for as long as the
 * stream lasts, which is why the pool is large ({@code upstream.max-connections}) rather than a small fixed set
 * that long streams would exhaust.
 */
public final class UpstreamClient implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(UpstreamClient.class);
    /** Pooled connections idle longer than this are closed, well inside common server idle timeouts (30 s). */
    private static final int POOL_IDLE_SECONDS = 15;

    private final InetSocketAddress address;
    private final long responseTimeoutMillis;
    private final AbstractChannelPoolMap<EventLoop, FixedChannelPool> pools;
    private final DeclaredTools declaredTools;
    private final int maxRewriteBytes;
    private final AnswerInspection inspection;
    private final int connectMillis;
    private final SslContext tls;
    private final OwnCalls ownCalls;
    private final UpstreamRequests requests;

    /**
     * Carries the proxy's verified subject id (base64url of its UTF-8) to an upstream that runs one server per
     * subject (the stdio bridge); never the client's: a client-sent one is always removed.
     */
    public static final String SUBJECT_HEADER = "Mcpguard-Subject";

    /**
     * @param declaredTools learns what the server declares about its tools from the {@code tools/list} answers the
     *     proxy filters
     * @param inspection how answers are inspected: masking, error sanitising
     * @param maxRewriteBytes the largest answer (JSON body, or one SSE event) the proxy holds to inspect it
     * @param tlsSettings trust toward an https upstream, or null for plain http
     */
    public UpstreamClient(
            ProxyConfig.Upstream config,
            TlsSettings.Upstream tlsSettings,
            int eventLoops,
            DeclaredTools declaredTools,
            AnswerInspection inspection,
            int maxRewriteBytes) {
        this(config, tlsSettings, eventLoops, declaredTools, inspection, maxRewriteBytes, false);
    }

    /** @param passSubject whether the upstream is told each request's subject ({@link #SUBJECT_HEADER}) */
    public UpstreamClient(
            ProxyConfig.Upstream config,
            TlsSettings.Upstream tlsSettings,
            int eventLoops,
            DeclaredTools declaredTools,
            AnswerInspection inspection,
            int maxRewriteBytes,
            boolean passSubject) {
        this.declaredTools = declaredTools;
        this.inspection = inspection;
        this.maxRewriteBytes = maxRewriteBytes;
        URI url = config.url();
        boolean https = "https".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() == -1 ? (https ? 443 : 80) : url.getPort();
        this.tls = https ? clientContext(tlsSettings) : null;
        String host = url.getHost();
        this.address = new InetSocketAddress(url.getHost(), port); // resolved once, off the event loop
        this.responseTimeoutMillis = config.responseTimeout().toMillis();
        this.requests = new UpstreamRequests(
                url.getPort() == -1 ? url.getHost() : url.getHost() + ":" + port,
                url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath(),
                url.getRawQuery(),
                config.credentialHeader(),
                config.credential(),
                passSubject);
        int perLoop = Math.max(1, (config.maxConnections() + eventLoops - 1) / eventLoops);
        this.connectMillis = (int) config.connectTimeout().toMillis();
        this.ownCalls = new OwnCalls(address, host, port, tls, connectMillis, responseTimeoutMillis, maxRewriteBytes);
        this.pools = new AbstractChannelPoolMap<>() {
            @Override
            protected FixedChannelPool newPool(EventLoop loop) {
                Bootstrap bootstrap = new Bootstrap()
                        .group(loop)
                        .channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.AUTO_READ, false)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                        .remoteAddress(address);
                return new FixedChannelPool(
                        bootstrap,
                        new AbstractChannelPoolHandler() {
                            @Override
                            public void channelCreated(Channel ch) {
                                if (tls != null) {
                                    // SNI and hostname verification against the URL's host (an IP: its SAN).
                                    io.netty.handler.ssl.SslHandler ssl = tls.newHandler(ch.alloc(), host, port);
                                    ssl.handshakeFuture().addListener(done -> {
                                        if (!done.isSuccess()) {
                                            // Why the hop failed, for the operator: an untrusted or misnamed
                                            // certificate reads very differently from a refused connection.
                                            log.atWarn()
                                                    .addKeyValue("event.name", "upstream.tls_handshake_failed")
                                                    .addKeyValue("upstream", host + ":" + port)
                                                    .addKeyValue("error", String.valueOf(done.cause()))
                                                    .log("TLS handshake with the MCP server failed");
                                        }
                                    });
                                    ch.pipeline().addLast(ssl);
                                }
                                ch.pipeline()
                                        .addLast(new HttpClientCodec())
                                        .addLast(new IdleStateHandler(0, 0, POOL_IDLE_SECONDS, TimeUnit.SECONDS))
                                        .addLast(new UpstreamRelayHandler());
                            }
                        },
                        ChannelHealthChecker.ACTIVE,
                        FixedChannelPool.AcquireTimeoutAction.FAIL,
                        Math.max(1, connectMillis),
                        perLoop,
                        Integer.MAX_VALUE);
            }
        };
    }

    /**
     * The client context toward an https upstream: TLS 1.2 or 1.3, the server's certificate verified against the
     * configured CA bundle (or the JDK's trust store) and its name against the URL's host. A failed handshake fails
     * the request's write (the pooled connection opened before it), so the exchange ends as upstream unavailable
     * ("cannot send the request") — never as a request sent in the clear.
     */
    private static SslContext clientContext(TlsSettings.Upstream settings) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols(TlsSettings.ALLOWED_PROTOCOLS)
                    .endpointIdentificationAlgorithm("HTTPS");
            if (settings != null && settings.caFile() != null) {
                builder.trustManager(settings.caFile().toFile());
            }
            return builder.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalStateException(
                    "config key 'upstream.tls.ca-file': cannot load " + (settings == null ? "" : settings.caFile()), e);
        }
    }

    /**
     * Forwards one request and relays its answer to {@code client}.
     *
     * @param client the client connection, whose event loop runs the whole exchange
     * @param method the HTTP method
     * @param clientQuery the client's raw query string, or null
     * @param clientHeaders the client's headers; end-to-end ones are forwarded, credentials and hop-by-hop ones not
     * @param body the body to send (the proxy's re-serialised message), or null; ownership passes here
     * @param plan what to rewrite in the answer ({@link AnswerPlan#NONE} for nothing)
     * @param listener told how the exchange ended
     * @param subject the verified subject's id, passed on only to an upstream that asked for it
     */
    public void forward(
            ChannelHandlerContext client,
            HttpMethod method,
            String clientQuery,
            HttpHeaders clientHeaders,
            ByteBuf body,
            AnswerPlan plan,
            RelayListener listener,
            String subject) {
        FullHttpRequest request =
                requests.forwarded(client.channel().remoteAddress(), method, clientQuery, clientHeaders, body, subject);
        FixedChannelPool pool = pools.get(client.channel().eventLoop());
        pool.acquire().addListener((Future<Channel> acquired) -> {
            if (!acquired.isSuccess()) {
                request.release();
                listener.failedBeforeResponse(ErrorCode.UPSTREAM_UNAVAILABLE, "MCP server is unreachable");
                return;
            }
            Channel upstream = acquired.getNow();
            Relay relay = new Relay(client, upstream, pool, listener, plan, declaredTools, inspection, maxRewriteBytes);
            upstream.pipeline().get(UpstreamRelayHandler.class).begin(relay);
            relay.start(request, responseTimeoutMillis);
        });
    }

    /**
     * Sends a request of the proxy's own (the era bridge's session handshake) to the guarded server, with the proxy's
     * credential and, to an upstream that asked for it, the subject it is made for; nothing goes to a client.
     *
     * @param headers the request's own headers (content type, session, version); hop headers are the proxy's
     * @param body the JSON body, or null
     */
    public java.util.concurrent.CompletableFuture<OwnCalls.Answer> call(
            EventLoop loop, HttpMethod method, HttpHeaders headers, byte[] body, String subject) {
        return ownCalls.send(loop, requests.own(method, headers, body, subject));
    }

    /**
     * Answers {@code client} with a JSON answer the proxy composed itself (the bridge's {@code server/discover}),
     * read by the same answer path as a server's: filtered and masked as {@code plan} says.
     */
    public void answerLocally(ChannelHandlerContext client, byte[] json, AnswerPlan plan, RelayListener listener) {
        LocalAnswer.write(client, json, inspection.forAnswer(plan, declaredTools, listener), listener);
    }

    /**
     * Completes when a TCP connection to the guarded server opens within the connect timeout, and fails otherwise:
     * for {@code /readyz}. The connection is closed at once; no request is sent.
     */
    public java.util.concurrent.CompletableFuture<Void> reachable(EventLoop loop) {
        java.util.concurrent.CompletableFuture<Void> result = new java.util.concurrent.CompletableFuture<>();
        new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                .connect(address)
                .addListener((io.netty.channel.ChannelFutureListener) connected -> {
                    if (connected.isSuccess()) {
                        connected.channel().close();
                        result.complete(null);
                    } else {
                        result.completeExceptionally(new IllegalStateException("the MCP server is unreachable"));
                    }
                });
        return result;
    }

    @Override
    public void close() {
        pools.close();
    }
}
