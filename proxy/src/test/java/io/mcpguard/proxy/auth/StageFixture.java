package io.mcpguard.proxy.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.http.RequestTiming;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the header-stage tests share: an auth configuration, a key file with real API keys, and a channel that opens
 * each request's exchange log (as the exchange-log stage does) and records the request-timing signals.
 */
final class StageFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String RESOURCE = "https://mcp.example/mcp";

    private StageFixture() {}

    static ProxyConfig.Auth auth(ProxyConfig.Auth.Mode mode, URI issuer, URI jwks, Path keyFile, List<String> scopes) {
        return new ProxyConfig.Auth(
                mode,
                URI.create(RESOURCE),
                issuer,
                jwks,
                List.of("RS256", "ES256"),
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Duration.ofMillis(1),
                Duration.ofSeconds(60), // a loaded machine must not turn a slow fetch into a failed one
                scopes,
                Map.of(),
                Map.of(),
                null,
                new ProxyConfig.Auth.Claims("roles", "groups", "tenant"),
                keyFile,
                Duration.ofMinutes(1),
                Duration.ofMinutes(30),
                100,
                10);
    }

    /** Writes a key file with one key per owner (id = owner), scopes as given; returns the keys, in order. */
    static List<String> writeKeys(Path file, List<String> scopes, String... owners) {
        StringBuilder yaml = new StringBuilder("keys:\n");
        List<String> keys = new ArrayList<>();
        for (String owner : owners) {
            String[] made = ApiKeyStore.newKey(owner);
            keys.add(made[0]);
            yaml.append("  - id: ")
                    .append(owner)
                    .append("\n    owner: ")
                    .append(owner)
                    .append("\n    sha256: ")
                    .append(made[1])
                    .append("\n    roles: [dev]\n    scopes: [")
                    .append(String.join(", ", scopes))
                    .append("]\n    created: 2026-01-01T00:00:00Z\n");
        }
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return keys;
    }

    /** A channel of the stages given, behind one that opens each request's exchange log into {@code logs}. */
    static EmbeddedChannel channel(
            List<ExchangeLog> logs, List<Object> timings, io.netty.channel.ChannelHandler... stages) {
        return channel(new EmbeddedChannel(), logs, timings, stages);
    }

    /** The same, on a connection from {@code peer} (an embedded channel's own address is no IP address). */
    static EmbeddedChannel channelFrom(
            java.net.SocketAddress peer,
            List<ExchangeLog> logs,
            List<Object> timings,
            io.netty.channel.ChannelHandler... stages) {
        EmbeddedChannel channel = new EmbeddedChannel() {
            @Override
            public java.net.SocketAddress remoteAddress() {
                return peer;
            }
        };
        return channel(channel, logs, timings, stages);
    }

    private static EmbeddedChannel channel(
            EmbeddedChannel channel,
            List<ExchangeLog> logs,
            List<Object> timings,
            io.netty.channel.ChannelHandler... stages) {
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest request) {
                    ExchangeLog.open(ctx.channel(), request, logs::add);
                }
                ctx.fireChannelRead(msg);
            }
        });
        channel.pipeline().addLast(stages);
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof RequestTiming) {
                    timings.add(evt);
                }
            }
        });
        return channel;
    }

    static JsonNode body(FullHttpResponse response) {
        try {
            return JSON.readTree(response.content().toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            response.release();
        }
    }
}
