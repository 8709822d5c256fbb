package io.mcpguard.proxy.stdio;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.config.Secret;
import io.mcpguard.proxy.forward.UpstreamClient;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.mask.MaskRule;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.TextMasker;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Serves the stdio children over Streamable HTTP on a loopback port of its own, so the proxy forwards to them exactly
 * as to an HTTP server: the same {@code forward.UpstreamClient}, the same inspection and masking of every answer, the
 * same audit. Only the proxy may use the port: each start draws a random bearer credential that the proxy sends as
 * its upstream credential, and any request without it is refused. The subject a request is for travels in {@link
 * #SUBJECT_HEADER}, which the proxy always replaces with its own verified value.
 */
public final class StdioBridge implements AutoCloseable {
    /** The proxy's verified subject id (base64url of its UTF-8), for one child per subject. */
    static final String SUBJECT_HEADER = UpstreamClient.SUBJECT_HEADER;

    private final StdioSupervisor supervisor;
    private final EventLoopGroup loop;
    private final Channel server;
    private final Secret credential;

    /**
     * Binds 127.0.0.1 on a free port. Blocking (the bind), so call it while the proxy starts.
     *
     * @param maxBodyBytes the largest request body accepted (the proxy's own body bound)
     */
    public StdioBridge(StdioSupervisor supervisor, ObjectMapper json, int maxBodyBytes) throws InterruptedException {
        this.supervisor = supervisor;
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.credential =
                new Secret("Bearer " + Base64.getUrlEncoder().withoutPadding().encodeToString(random));
        this.loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        BridgeHandler handler = new BridgeHandler(supervisor, json, credential);
        this.server = new ServerBootstrap()
                .group(loop)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpServerKeepAliveHandler())
                                .addLast(new HttpObjectAggregator(maxBodyBytes + 1024))
                                .addLast(handler);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
    }

    /**
     * Starts the supervisor (the shared child launches at once) and the bridge in front of it, for the proxy's
     * {@code upstream.stdio} section. A child's stderr lines are logged with every maskable class redacted.
     */
    public static StdioBridge start(ProxyConfig config, ObjectMapper json, TextMasker texts) {
        MaskRule everything = MaskRules.redactAll().fromPolicy(ProxyConfig.Mask.STYLED_CLASSES, null);
        String version = StdioBridge.class.getPackage().getImplementationVersion();
        StdioSupervisor supervisor = new StdioSupervisor(
                config.stdio(),
                json,
                line -> texts.mask(line, everything, new MaskCounts()),
                version == null ? "dev" : version);
        try {
            return new StdioBridge(supervisor, json, config.limits().maxBodyBytes());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            supervisor.close();
            throw new IllegalStateException("interrupted while binding the stdio bridge", e);
        } catch (RuntimeException e) {
            supervisor.close();
            throw e;
        }
    }

    /** The upstream settings the proxy forwards with: the bridge's URL and credential, the rest as configured. */
    public ProxyConfig.Upstream asUpstream(ProxyConfig.Upstream configured) {
        return new ProxyConfig.Upstream(
                url(),
                configured.connectTimeout(),
                configured.responseTimeout(),
                configured.maxConnections(),
                "Authorization",
                credential,
                configured.toolPins(),
                configured.bridge());
    }

    /** Where the proxy forwards to: the bridge's MCP endpoint on loopback. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/mcp");
    }

    /** The {@code Authorization} value the proxy must send; nobody else has it. */
    public Secret credential() {
        return credential;
    }

    /** Whether the children run one per subject, so the proxy must say whose request it forwards. */
    public boolean perSubject() {
        return supervisor.perSubject();
    }

    /** For {@code /readyz}: fails while the shared child is not up and initialized. */
    public java.util.concurrent.CompletableFuture<Void> ready() {
        return supervisor.ready();
    }

    /** The process ids of the children alive now. */
    public java.util.List<Long> pids() {
        return supervisor.pids();
    }

    /** Stops taking requests, then stops every child cleanly (bounded). Blocking. */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
        supervisor.close();
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
