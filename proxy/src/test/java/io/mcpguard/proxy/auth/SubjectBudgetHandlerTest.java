package io.mcpguard.proxy.auth;

import static io.mcpguard.proxy.auth.StageFixture.body;
import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.budget.Budget;
import io.mcpguard.proxy.budget.BudgetRefusals;
import io.mcpguard.proxy.budget.ConcurrencyBudget;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-subject budgets behind real authentication: two connections of one subject share its budgets, a request
 * over either is answered 429, and what a request took is given back when its answer ends or its connection closes.
 */
class SubjectBudgetHandlerTest {
    private static final String MCP = "/mcp";
    private static final String ALICE = "subject:api_key:alice";

    @TempDir
    Path dir;

    private final List<ExchangeLog> logs = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final BudgetRefusals refusals =
            new BudgetRefusals(OpenTelemetry.noop().getMeter("test"));
    private Authenticator authenticator;
    private ConcurrencyBudget inFlight;
    private ConcurrencyBudget streams;
    private String aliceKey;
    private String bobKey;

    @BeforeEach
    void start() {
        Path file = dir.resolve("keys.yaml");
        List<String> keys = StageFixture.writeKeys(file, List.of("mcp"), "alice", "bob");
        aliceKey = keys.get(0);
        bobKey = keys.get(1);
        authenticator =
                new Authenticator(StageFixture.auth(ProxyConfig.Auth.Mode.REQUIRED, null, null, file, List.of()));
        budgets(2, 1);
    }

    private void budgets(int requests, int openStreams) {
        inFlight = new ConcurrencyBudget(Budget.IN_FLIGHT, requests, refusals);
        streams = new ConcurrencyBudget(Budget.STREAMS, openStreams, refusals);
    }

    @AfterEach
    void stop() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        authenticator.close();
    }

    private EmbeddedChannel connection() {
        HttpAnswers answers = new HttpAnswers(StageFixture.JSON);
        EmbeddedChannel channel = StageFixture.channel(
                logs,
                new ArrayList<>(),
                new AuthenticationHandler(authenticator, answers, MCP),
                new SubjectBudgetHandler(inFlight, streams, answers));
        channels.add(channel);
        return channel;
    }

    private static HttpRequest request(HttpMethod method, String key) {
        HttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, MCP);
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + key);
        return request;
    }

    private boolean passes(EmbeddedChannel channel, HttpRequest request) {
        logs.clear();
        channel.writeInbound(request);
        return channel.readInbound() == request;
    }

    private static void answerEnds(EmbeddedChannel channel) {
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.<FullHttpResponse>readOutbound().release();
    }

    private void assertBusy(EmbeddedChannel channel, String reason) {
        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status()).isEqualTo(HttpResponseStatus.TOO_MANY_REQUESTS);
        assertThat(response.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
        assertThat(HttpUtil.isKeepAlive(response)).isTrue();
        assertThat(body(response).at("/error/message").asText()).isEqualTo(reason + "; retry later");
        ExchangeLog.Ending ending = logs.get(0).ending();
        assertThat(ending.outcome()).isEqualTo(Outcome.OVER_BUDGET);
        assertThat(ending.httpStatus()).isEqualTo(429);
        assertThat(ending.code()).isEqualTo(ErrorCode.BUSY);
        assertThat(ending.reason()).isEqualTo(reason);
    }

    @Test
    void a_request_holds_one_in_flight_until_its_answer_ends() {
        EmbeddedChannel channel = connection();

        assertThat(passes(channel, request(HttpMethod.POST, aliceKey))).isTrue();
        assertThat(inFlight.held(ALICE)).isEqualTo(1);
        assertThat(streams.held(ALICE)).isZero();

        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        assertThat(inFlight.held(ALICE))
                .as("the head alone does not end the answer")
                .isEqualTo(1);
        channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(inFlight.held(ALICE)).isZero();
    }

    @Test
    void an_interim_100_continue_does_not_give_the_request_back() {
        EmbeddedChannel channel = connection();
        assertThat(passes(channel, request(HttpMethod.POST, aliceKey))).isTrue();

        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));

        assertThat(inFlight.held(ALICE)).isEqualTo(1);
        answerEnds(channel);
        assertThat(inFlight.held(ALICE)).isZero();
    }

    @Test
    void a_subject_over_its_in_flight_budget_is_answered_429_while_another_subject_is_not() {
        budgets(1, 1);
        EmbeddedChannel first = connection();
        EmbeddedChannel second = connection();
        assertThat(passes(first, request(HttpMethod.POST, aliceKey))).isTrue();

        assertThat(passes(second, request(HttpMethod.POST, aliceKey))).isFalse();
        assertBusy(second, "too many requests in flight for this subject (at most 1)");
        assertThat(passes(second, request(HttpMethod.POST, bobKey))).isTrue();
        answerEnds(second);

        answerEnds(first);
        assertThat(passes(second, request(HttpMethod.POST, aliceKey))).isTrue();
    }

    @Test
    void a_get_holds_a_stream_too_and_a_second_stream_is_refused_giving_its_request_back() {
        EmbeddedChannel first = connection();
        EmbeddedChannel second = connection();
        assertThat(passes(first, request(HttpMethod.GET, aliceKey))).isTrue();
        assertThat(streams.held(ALICE)).isEqualTo(1);

        assertThat(passes(second, request(HttpMethod.GET, aliceKey))).isFalse();
        assertBusy(second, "too many " + Budget.STREAMS.description() + " (at most 1)");
        assertThat(inFlight.held(ALICE)).as("only the stream's request is held").isEqualTo(1);
        assertThat(streams.held(ALICE)).isEqualTo(1);

        assertThat(passes(second, request(HttpMethod.POST, aliceKey)))
                .as("a POST needs no stream")
                .isTrue();
        assertThat(inFlight.held(ALICE)).isEqualTo(2);
    }

    @Test
    void a_modern_subscriptions_listen_holds_a_stream_like_a_get() {
        EmbeddedChannel first = connection();
        EmbeddedChannel second = connection();
        HttpRequest listen = request(HttpMethod.POST, aliceKey);
        listen.headers().set("Mcp-Method", "subscriptions/listen");
        HttpRequest again = request(HttpMethod.POST, aliceKey);
        again.headers().set("Mcp-Method", "subscriptions/listen");

        assertThat(passes(first, listen)).isTrue();
        assertThat(streams.held(ALICE)).isEqualTo(1);
        assertThat(passes(second, again)).isFalse();
        assertBusy(second, "too many " + Budget.STREAMS.description() + " (at most 1)");
    }

    @Test
    void a_closed_connection_gives_back_what_its_request_held() {
        EmbeddedChannel channel = connection();
        assertThat(passes(channel, request(HttpMethod.GET, aliceKey))).isTrue();

        channel.close();

        assertThat(inFlight.held(ALICE)).isZero();
        assertThat(streams.held(ALICE)).isZero();
    }

    @Test
    void the_next_request_on_a_connection_gives_back_what_the_last_one_held() {
        budgets(1, 1);
        EmbeddedChannel channel = connection();
        assertThat(passes(channel, request(HttpMethod.GET, aliceKey))).isTrue();

        assertThat(passes(channel, request(HttpMethod.GET, aliceKey))).isTrue();

        assertThat(inFlight.held(ALICE)).isEqualTo(1);
        assertThat(streams.held(ALICE)).isEqualTo(1);
    }

    @Test
    void requests_without_a_verified_identity_take_nothing() {
        EmbeddedChannel channel = connection();
        HttpRequest health = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/health");

        assertThat(passes(channel, health)).isTrue();

        assertThat(inFlight.held(ALICE)).isZero();
        assertThat(inFlight.held("address:embedded")).isZero();
        assertThat(streams.held("address:embedded")).isZero();
    }

    @Test
    void with_authentication_off_each_client_address_has_its_own_budget() {
        budgets(1, 1);
        Authenticator open =
                new Authenticator(StageFixture.auth(ProxyConfig.Auth.Mode.NONE, null, null, null, List.of()));
        EmbeddedChannel first = connectionFrom(open, peer("192.0.2.7", 5000));
        EmbeddedChannel sameAddress = connectionFrom(open, peer("192.0.2.7", 5001));
        EmbeddedChannel otherAddress = connectionFrom(open, peer("192.0.2.8", 5000));
        EmbeddedChannel unresolved =
                connectionFrom(open, java.net.InetSocketAddress.createUnresolved("client.example", 5000));
        try {
            assertThat(passes(first, request(HttpMethod.POST, "unused"))).isTrue();
            assertThat(inFlight.held("address:192.0.2.7")).isEqualTo(1);
            LastHttpContent body = new io.netty.handler.codec.http.DefaultLastHttpContent();
            first.writeInbound(body);
            assertThat((Object) first.readInbound())
                    .as("a body piece takes nothing")
                    .isSameAs(body);
            assertThat(inFlight.held("address:192.0.2.7")).isEqualTo(1);

            assertThat(passes(sameAddress, request(HttpMethod.POST, "unused"))).isFalse();
            assertBusy(sameAddress, "too many requests in flight for this subject (at most 1)");
            assertThat(passes(otherAddress, request(HttpMethod.POST, "unused"))).isTrue();
            assertThat(passes(unresolved, request(HttpMethod.POST, "unused"))).isTrue();
            assertThat(inFlight.held("address:client.example/<unresolved>:5000"))
                    .as("an address without an IP is keyed by what it says")
                    .isEqualTo(1);
        } finally {
            open.close();
        }
    }

    /** A client address with its name preset: nothing looks it up in DNS. */
    private static java.net.InetSocketAddress peer(String ip, int port) {
        try {
            return new java.net.InetSocketAddress(
                    java.net.InetAddress.getByAddress(
                            "client", java.net.InetAddress.getByName(ip).getAddress()),
                    port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private EmbeddedChannel connectionFrom(Authenticator authenticator, java.net.SocketAddress peer) {
        HttpAnswers answers = new HttpAnswers(StageFixture.JSON);
        EmbeddedChannel channel = StageFixture.channelFrom(
                peer,
                logs,
                new ArrayList<>(),
                new AuthenticationHandler(authenticator, answers, MCP),
                new SubjectBudgetHandler(inFlight, streams, answers));
        channels.add(channel);
        return channel;
    }
}
