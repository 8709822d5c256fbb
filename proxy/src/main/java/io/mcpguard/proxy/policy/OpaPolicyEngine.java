package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks an OPA server over its REST Data API ({@code POST /v1/data/<path>?provenance=true}) on pooled keep-alive
 * connections, without blocking any thread.
 *
 * <p>Fails closed: a refused connection, a non-200 answer, an undefined rule, a result without a boolean {@code
 * allow}, or no answer within {@code opa.timeout} all fail the future with {@link PolicyUnavailableException}. The
 * deadline covers waiting for a pooled connection too, so a saturated OPA denies quickly instead of queueing
 * without bound ({@code opa.max-pending-decisions}).
 */
public final class OpaPolicyEngine implements PolicyEngine {
    private static final Logger log = LoggerFactory.getLogger(OpaPolicyEngine.class);
    private static final int MAX_DECISION_BYTES = 1024 * 1024;

    private final ObjectMapper mapper;
    private final EventLoopGroup group;
    private final FixedChannelPool pool;
    private final String requestUri;
    private final String hostHeader;
    private final long timeoutMillis;

    public OpaPolicyEngine(ProxyConfig.Opa config, EventLoopGroup group, ObjectMapper mapper) {
        this.mapper = mapper;
        this.group = group;
        this.timeoutMillis = config.timeout().toMillis();
        URI url = config.url();
        int port = url.getPort() == -1 ? 80 : url.getPort();
        String base = url.getRawPath() == null ? "" : url.getRawPath().replaceAll("/+$", "");
        this.requestUri = base + "/v1/data/" + config.decisionPath() + "?provenance=true";
        this.hostHeader = url.getHost() + ":" + port;
        // Resolved once here, off the event loop: OPA is a sidecar on a stable address.
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeoutMillis))
                .remoteAddress(new InetSocketAddress(url.getHost(), port));
        this.pool = new FixedChannelPool(
                bootstrap,
                new AbstractChannelPoolHandler() {
                    @Override
                    public void channelCreated(Channel ch) {
                        ch.pipeline()
                                .addLast(new HttpClientCodec())
                                .addLast(new HttpObjectAggregator(MAX_DECISION_BYTES))
                                .addLast(new OpaResponseHandler());
                    }
                },
                ChannelHealthChecker.ACTIVE,
                FixedChannelPool.AcquireTimeoutAction.FAIL,
                Math.max(1, timeoutMillis),
                config.maxConnections(),
                Math.max(1, config.maxPendingDecisions()));
    }

    @Override
    public CompletableFuture<Decision> decide(PolicyInput input) {
        byte[] body;
        try {
            ObjectNode envelope = mapper.createObjectNode();
            envelope.set("input", input.toJson());
            body = mapper.writeValueAsBytes(envelope);
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(
                    new PolicyUnavailableException("policy input could not be encoded", e));
        }
        return exchange(HttpMethod.POST, body, this::parse);
    }

    /**
     * The revision of the policy OPA runs now, read from the provenance of the decision rule evaluated without input
     * (a cheap default deny). Null when OPA reports none (policies loaded without a bundle manifest).
     */
    public CompletableFuture<String> currentRevision() {
        return exchange(HttpMethod.GET, null, response -> {
            if (!HttpResponseStatus.OK.equals(response.status())) {
                throw new PolicyUnavailableException(
                        "policy engine answered HTTP " + response.status().code());
            }
            try {
                JsonNode document = mapper.readTree(new io.netty.buffer.ByteBufInputStream(response.content()));
                return revision(document.get("provenance"));
            } catch (IOException e) {
                throw new PolicyUnavailableException("policy engine answered malformed JSON");
            }
        });
    }

    /**
     * Completes when OPA answers with the decision rule defined — a policy is loaded — and fails otherwise: for
     * {@code /readyz}. The rule evaluated without input is the policy's cheap default deny.
     */
    public CompletableFuture<Void> policyLoaded() {
        return exchange(HttpMethod.GET, null, response -> {
            if (!HttpResponseStatus.OK.equals(response.status())) {
                throw new PolicyUnavailableException(
                        "policy engine answered HTTP " + response.status().code());
            }
            try {
                JsonNode document = mapper.readTree(new io.netty.buffer.ByteBufInputStream(response.content()));
                if (document == null || !document.has("result")) {
                    throw new PolicyUnavailableException("policy engine has no decision rule loaded");
                }
                return null;
            } catch (IOException e) {
                throw new PolicyUnavailableException("policy engine answered malformed JSON");
            }
        });
    }

    private <T> CompletableFuture<T> exchange(
            HttpMethod method, byte[] body, java.util.function.Function<FullHttpResponse, T> parse) {
        CompletableFuture<T> result = new CompletableFuture<>();
        var deadline = group.schedule(
                () -> result.completeExceptionally(
                        new PolicyUnavailableException("policy engine did not answer within " + timeoutMillis + "ms")),
                timeoutMillis,
                TimeUnit.MILLISECONDS);
        result.whenComplete((answer, failure) -> deadline.cancel(false));

        pool.acquire().addListener((Future<Channel> acquired) -> {
            if (!acquired.isSuccess()) {
                log.atWarn()
                        .addKeyValue("error", String.valueOf(acquired.cause()))
                        .log("cannot get a connection to OPA");
                result.completeExceptionally(
                        new PolicyUnavailableException("policy engine is unreachable", acquired.cause()));
                return;
            }
            send(acquired.getNow(), method, body, parse, result);
        });
        return result;
    }

    private <T> void send(
            Channel channel,
            HttpMethod method,
            byte[] body,
            java.util.function.Function<FullHttpResponse, T> parse,
            CompletableFuture<T> result) {
        if (result.isDone()) { // timed out while waiting for the connection
            pool.release(channel);
            return;
        }
        OpaResponseHandler handler = channel.pipeline().get(OpaResponseHandler.class);
        handler.begin(new OpaResponseHandler.Exchange() {
            @Override
            public void onResponse(FullHttpResponse response) {
                try {
                    result.complete(parse.apply(response));
                } catch (PolicyUnavailableException e) {
                    log.atWarn().addKeyValue("reason", e.getMessage()).log("OPA answered no usable decision");
                    result.completeExceptionally(e);
                }
            }

            @Override
            public void onFailure(String why) {
                result.completeExceptionally(new PolicyUnavailableException(why));
            }
        });
        // A late answer after the deadline would belong to a request nobody waits for: drop the connection.
        result.whenComplete((answer, failure) -> {
            if (handler.inFlight()) {
                channel.close().addListener(closed -> pool.release(channel));
            } else {
                pool.release(channel);
            }
        });
        FullHttpRequest request = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                method,
                requestUri,
                body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        request.headers()
                .set(HttpHeaderNames.HOST, hostHeader)
                .set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body == null ? 0 : body.length);
        if (body != null) {
            request.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        channel.writeAndFlush(request).addListener(written -> {
            if (!written.isSuccess()) {
                result.completeExceptionally(
                        new PolicyUnavailableException("policy engine is unreachable", written.cause()));
            }
        });
    }

    private Decision parse(FullHttpResponse response) {
        if (!HttpResponseStatus.OK.equals(response.status())) {
            throw new PolicyUnavailableException(
                    "policy engine answered HTTP " + response.status().code());
        }
        JsonNode document;
        try {
            document = mapper.readTree(new io.netty.buffer.ByteBufInputStream(response.content()));
        } catch (IOException e) {
            throw new PolicyUnavailableException("policy engine answered malformed JSON");
        }
        JsonNode result = document.get("result");
        if (result == null) {
            throw new PolicyUnavailableException("policy decision is undefined (is the policy loaded?)");
        }
        JsonNode decisionId = document.get("decision_id");
        return DecisionReader.read(
                result,
                decisionId != null && decisionId.isTextual() ? decisionId.asText() : null,
                revision(document.get("provenance")));
    }

    /** The revision of the first bundle OPA reports, or its top-level revision, or null. */
    private static String revision(JsonNode provenance) {
        if (provenance == null) {
            return null;
        }
        JsonNode bundles = provenance.get("bundles");
        if (bundles != null && bundles.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = bundles.fields(); it.hasNext(); ) {
                JsonNode revision = it.next().getValue().get("revision");
                if (revision != null && revision.isTextual()) {
                    return revision.asText();
                }
            }
        }
        JsonNode revision = provenance.get("revision");
        return revision != null && revision.isTextual() ? revision.asText() : null;
    }

    @Override
    public void close() {
        pool.close();
    }
}
