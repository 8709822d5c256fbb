package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DNS-rebinding defence: which Host and Origin values pass, and what a refused request becomes. */
class OriginGuardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<ExchangeLog> completed = new ArrayList<>();

    private EmbeddedChannel guard(List<String> hosts, List<String> origins) {
        return new EmbeddedChannel(
                new OriginGuard(new ProxyConfig.Listen("127.0.0.1", 0, hosts, origins), new HttpAnswers(JSON)));
    }

    private EmbeddedChannel localGuard() {
        return guard(List.of("LOCALHOST", "127.0.0.1", "[::1]"), List.of("http://localhost:*", "https://App.example"));
    }

    private static HttpRequest request(HttpMethod method, String uri, String host, String origin) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        if (host != null) {
            request.headers().set("Host", host);
        }
        if (origin != null) {
            request.headers().set("Origin", origin);
        }
        return request;
    }

    /** Sends a request through a fresh guard; true when it went on to the next handler. */
    private boolean passes(EmbeddedChannel channel, HttpRequest request) {
        ExchangeLog.open(channel, request, completed::add);
        channel.writeInbound(request);
        Object next = channel.readInbound();
        return next == request;
    }

    private boolean hostPasses(String host) {
        return passes(localGuard(), request(HttpMethod.POST, "/mcp", host, null));
    }

    private boolean originPasses(String origin) {
        return passes(localGuard(), request(HttpMethod.POST, "/mcp", "localhost:8080", origin));
    }

    @Test
    void an_allowed_host_passes_with_or_without_a_port_and_in_any_case() {
        assertThat(hostPasses("localhost")).isTrue();
        assertThat(hostPasses("LocalHost:8080")).isTrue();
        assertThat(hostPasses("127.0.0.1:1")).isTrue();
        assertThat(hostPasses("127.0.0.1:65535")).isTrue();
        assertThat(hostPasses("[::1]")).isTrue();
        assertThat(hostPasses("[::1]:8443")).isTrue();
    }

    @Test
    void another_host_or_a_host_whose_port_is_not_a_port_is_refused() {
        assertThat(hostPasses("evil.example")).isFalse();
        assertThat(hostPasses("localhost.evil.example")).isFalse();
        assertThat(hostPasses(null)).isFalse();
        // Only digits, one to five of them, are a port to strip.
        assertThat(hostPasses("localhost:")).isFalse();
        assertThat(hostPasses("localhost:80a")).isFalse();
        assertThat(hostPasses("localhost:123456")).isFalse();
        // A colon inside the brackets is not a port separator.
        assertThat(hostPasses("[::2]")).isFalse();
        // Digits alone are a name, not a port: nothing to strip.
        assertThat(hostPasses("8080")).isFalse();
    }

    @Test
    void a_wildcard_host_allows_every_host() {
        assertThat(passes(guard(List.of("*"), List.of()), request(HttpMethod.POST, "/mcp", "anything:1", null)))
                .isTrue();
    }

    @Test
    void a_request_without_origin_is_not_refused_for_it() {
        assertThat(originPasses(null)).isTrue();
    }

    @Test
    void an_origin_with_a_port_wildcard_allows_the_bare_origin_and_any_numeric_port_only() {
        assertThat(originPasses("http://localhost")).isTrue();
        assertThat(originPasses("http://localhost:3000")).isTrue();
        assertThat(originPasses("HTTP://LOCALHOST:3000")).isTrue();
        assertThat(originPasses("http://localhost:")).isFalse();
        assertThat(originPasses("http://localhost:30a0")).isFalse();
        assertThat(originPasses("http://localhost:300000")).isFalse();
        assertThat(originPasses("http://localhost.evil.example")).isFalse();
        assertThat(originPasses("https://localhost:3000")).isFalse();
    }

    @Test
    void an_exact_origin_matches_without_case_and_nothing_else() {
        assertThat(originPasses("https://app.example")).isTrue();
        assertThat(originPasses("https://app.example:443")).isFalse();
        assertThat(originPasses("null")).isFalse();
    }

    @Test
    void a_wildcard_origin_allows_every_origin_but_not_every_host() {
        EmbeddedChannel channel = guard(List.of("localhost"), List.of("*"));
        assertThat(passes(channel, request(HttpMethod.POST, "/mcp", "localhost", "https://any.example")))
                .isTrue();
        assertThat(passes(
                        guard(List.of("localhost"), List.of("*")),
                        request(HttpMethod.POST, "/mcp", "evil.example", "https://any.example")))
                .isFalse();
    }

    @Test
    void a_refusal_answers_403_with_the_reason_logs_the_outcome_and_closes() throws Exception {
        EmbeddedChannel channel = localGuard();
        FullHttpRequest request = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                HttpMethod.POST,
                "/mcp",
                Unpooled.copiedBuffer("{\"jsonrpc\":\"2.0\"}", StandardCharsets.UTF_8));
        request.headers().set("Host", "localhost").set("Origin", "https://evil.example\t\t" + "x".repeat(200));
        ExchangeLog log = ExchangeLog.open(channel, request, completed::add);

        channel.writeInbound(request);

        assertThat((Object) channel.readInbound()).isNull();
        assertThat(request.refCnt()).as("the refused request is released").isZero();
        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status().code()).isEqualTo(403);
        JsonNode error = JSON.readTree(response.content().toString(StandardCharsets.UTF_8));
        response.release();
        assertThat(error.at("/error/code").asInt()).isEqualTo(ErrorCode.ORIGIN_NOT_ALLOWED.code());
        String message = error.at("/error/message").asText();
        // The value is shown cut to 100 characters, control characters replaced: no header injection into a log.
        assertThat(message)
                .startsWith("Origin \"https://evil.example??xxx")
                .contains("…\"")
                .doesNotContain("\t")
                .doesNotContain("x".repeat(100));
        assertThat(completed).containsExactly(log);
        assertThat(log.ending().outcome()).isEqualTo(Outcome.ORIGIN_REFUSED);
        assertThat(log.ending().httpStatus()).isEqualTo(403);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void a_missing_host_is_named_as_missing() throws Exception {
        EmbeddedChannel channel = localGuard();
        HttpRequest request = request(HttpMethod.POST, "/mcp", null, null);
        ExchangeLog.open(channel, request, completed::add);

        channel.writeInbound(request);

        FullHttpResponse response = channel.readOutbound();
        assertThat(JSON.readTree(response.content().toString(StandardCharsets.UTF_8))
                        .at("/error/message")
                        .asText())
                .isEqualTo("Host (missing) is not allowed");
        response.release();
    }

    @Test
    void probes_pass_whatever_their_host_but_only_as_get_on_their_paths() {
        assertThat(passes(localGuard(), request(HttpMethod.GET, "/healthz", "10.0.0.7:8080", null)))
                .isTrue();
        assertThat(passes(localGuard(), request(HttpMethod.GET, "/readyz", "10.0.0.7:8080", null)))
                .isTrue();
        assertThat(passes(localGuard(), request(HttpMethod.POST, "/healthz", "10.0.0.7:8080", null)))
                .isFalse();
        assertThat(passes(localGuard(), request(HttpMethod.GET, "/healthz?x", "10.0.0.7:8080", null)))
                .isFalse();
        assertThat(passes(localGuard(), request(HttpMethod.GET, "/mcp", "10.0.0.7:8080", null)))
                .isFalse();
    }

    @Test
    void a_request_the_codec_could_not_read_is_left_to_the_endpoint() {
        HttpRequest broken = request(HttpMethod.POST, "/mcp", "evil.example", null);
        broken.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("header too large")));

        assertThat(passes(localGuard(), broken)).isTrue();
    }

    @Test
    void an_allowed_request_passes_with_its_body_and_other_messages_pass_untouched() {
        EmbeddedChannel channel = localGuard();
        HttpRequest head = request(HttpMethod.POST, "/mcp", "localhost", "http://localhost:5173");
        ExchangeLog.open(channel, head, completed::add);
        io.netty.handler.codec.http.HttpContent body = new io.netty.handler.codec.http.DefaultLastHttpContent(
                Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));

        channel.writeInbound(head, body, "not http");

        assertThat((Object) channel.readInbound()).isSameAs(head);
        assertThat((Object) channel.readInbound()).isSameAs(body);
        assertThat((Object) channel.readInbound()).isEqualTo("not http");
        assertThat(body.refCnt()).isEqualTo(1);
        body.release();
        assertThat(completed).isEmpty();
    }

    @Test
    void a_value_of_exactly_100_characters_is_shown_whole() throws Exception {
        EmbeddedChannel channel = localGuard();
        String origin = "https://" + "o".repeat(92);
        HttpRequest request = request(HttpMethod.POST, "/mcp", "localhost", origin);
        ExchangeLog.open(channel, request, completed::add);

        channel.writeInbound(request);

        FullHttpResponse response = channel.readOutbound();
        assertThat(JSON.readTree(response.content().toString(StandardCharsets.UTF_8))
                        .at("/error/message")
                        .asText())
                .isEqualTo("Origin \"" + origin + "\" is not allowed");
        response.release();
    }

    @Test
    void the_body_of_a_refused_request_is_discarded_until_the_next_request() {
        // The refusal's write may still be on its way (a slow client) while the rest of the request arrives.
        List<Object> held = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(
                new io.netty.channel.ChannelOutboundHandlerAdapter() {
                    @Override
                    public void write(
                            io.netty.channel.ChannelHandlerContext ctx,
                            Object msg,
                            io.netty.channel.ChannelPromise promise) {
                        held.add(msg);
                    }
                },
                new OriginGuard(
                        new ProxyConfig.Listen("127.0.0.1", 0, List.of("localhost"), List.of()),
                        new HttpAnswers(JSON)));
        HttpRequest refused = request(HttpMethod.POST, "/mcp", "evil.example", null);
        ExchangeLog.open(channel, refused, completed::add);
        io.netty.handler.codec.http.HttpContent body =
                new io.netty.handler.codec.http.DefaultHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));

        channel.writeInbound(refused, body);

        assertThat((Object) channel.readInbound()).isNull();
        assertThat(body.refCnt()).isZero();
        assertThat(held).hasSize(1);

        // A request the codec could not read ends the discarding: the endpoint answers it.
        HttpRequest broken = request(HttpMethod.POST, "/mcp", "localhost", null);
        broken.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad")));
        ExchangeLog.open(channel, broken, completed::add);
        io.netty.handler.codec.http.HttpContent brokenBody = new io.netty.handler.codec.http.DefaultLastHttpContent();
        channel.writeInbound(broken, brokenBody);
        assertThat((Object) channel.readInbound()).isSameAs(broken);
        assertThat((Object) channel.readInbound()).isSameAs(brokenBody);

        // And so does an allowed request after a refused one.
        channel.writeInbound(refused = request(HttpMethod.POST, "/mcp", "evil.example", null));
        HttpRequest allowed = request(HttpMethod.POST, "/mcp", "localhost", null);
        ExchangeLog.open(channel, allowed, completed::add);
        channel.writeInbound(allowed);
        assertThat((Object) channel.readInbound()).isSameAs(allowed);
        held.forEach(io.netty.util.ReferenceCountUtil::release);
    }
}
