package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.auth.Authenticator;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.forward.UpstreamClient;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.policy.OpaPolicyEngine;
import io.mcpguard.proxy.policy.PolicyEngine;
import io.mcpguard.proxy.policy.PolicyGate;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Assembles the stages from a config and runs them on Netty. */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final ProxyConfig config;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final PolicyEngine policy;
    private final UpstreamClient upstream;
    private final Authenticator authenticator;
    private final ProxyChannelInitializer initializer;
    private Channel serverChannel;

    public ProxyServer(ProxyConfig config) {
        this.config = config;
        int loops = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.acceptors = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(loops, NioIoHandler.newFactory());
        JsonRpcDecoder decoder = new JsonRpcDecoder(
                config.limits().maxJsonDepth(),
                config.limits().maxStringLength(),
                config.limits().maxBatchSize());
        this.policy = new OpaPolicyEngine(config.opa(), workers, decoder.mapper());
        this.upstream = new UpstreamClient(config.upstream(), loops);
        HttpAnswers answers = new HttpAnswers(decoder.mapper());
        this.authenticator = new Authenticator(config.auth());
        McpEndpointHandler endpoint = new McpEndpointHandler(
                config.mcpPath(), decoder, new PolicyGate(policy), upstream, answers, authenticator);
        this.initializer = new ProxyChannelInitializer(
                config.listen(), config.limits(), answers, authenticator, config.mcpPath(), endpoint);
    }

    /** Binds the listen address; returns the bound port (useful when the config asked for port 0). */
    public int start() throws InterruptedException {
        serverChannel = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer)
                .bind(config.listen().host(), config.listen().port())
                .sync()
                .channel();
        int port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        log.atInfo()
                .addKeyValue("listen", config.listen().host() + ":" + port)
                .addKeyValue("mcp_path", config.mcpPath())
                .addKeyValue("auth", config.auth().mode().name().toLowerCase(java.util.Locale.ROOT))
                .addKeyValue("resource", config.auth().resource())
                .addKeyValue("issuer", config.auth().issuer())
                .addKeyValue("upstream", config.upstream().url())
                .addKeyValue(
                        "opa", config.opa().url() + "/v1/data/" + config.opa().decisionPath())
                .log("proxy listening");
        return port;
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        upstream.close();
        policy.close();
        authenticator.close();
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
