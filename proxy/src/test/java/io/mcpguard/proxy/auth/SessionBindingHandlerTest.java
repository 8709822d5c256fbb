package io.mcpguard.proxy.auth;

import static io.mcpguard.proxy.auth.StageFixture.body;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Session binding behind real authentication (API keys of alice and bob): which sessions a subject may present,
 * which answers bind or end a session, and that every refused session gets the same 404.
 */
class SessionBindingHandlerTest {
    private static final String MCP = "/mcp";
    private static final String ALICE = "api_key:alice";
    private static final String BOB = "api_key:bob";

    @TempDir
    Path dir;

    private final List<ExchangeLog> logs = new ArrayList<>();
    private Authenticator authenticator;
    private EmbeddedChannel channel;
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
        channel = channel(authenticator);
    }

    @AfterEach
    void stop() {
        channel.finishAndReleaseAll();
        authenticator.close();
    }

    private EmbeddedChannel channel(Authenticator with) {
        HttpAnswers answers = new HttpAnswers(StageFixture.JSON);
        return StageFixture.channel(
                logs,
                new ArrayList<>(),
                new AuthenticationHandler(with, answers, MCP),
                new SessionBindingHandler(with, answers));
    }

    private static HttpRequest request(HttpMethod method, String key, String session) {
        HttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, MCP);
        if (key != null) {
            request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + key);
        }
        if (session != null) {
            request.headers().set("Mcp-Session-Id", session);
        }
        return request;
    }

    /** Sends the request; true when it passed on to the server. */
    private boolean passes(HttpRequest request) {
        logs.clear();
        channel.writeInbound(request);
        Object passed = channel.readInbound();
        return passed == request;
    }

    private void serverAnswers(HttpResponseStatus status, String session) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
        if (session != null) {
            response.headers().set("Mcp-Session-Id", session);
        }
        channel.writeOutbound(response);
        assertThat(channel.<Object>readOutbound()).isSameAs(response);
        response.release();
    }

    private SessionBindings.Standing standing(String session, String owner) {
        return authenticator.sessions().standing(session, owner);
    }

    /** alice opens session s1. */
    private void aliceCreates(String session) {
        assertThat(passes(request(HttpMethod.POST, aliceKey, null))).isTrue();
        serverAnswers(HttpResponseStatus.OK, session);
        assertThat(standing(session, ALICE)).isEqualTo(SessionBindings.Standing.OWNED);
    }

    private void assertSessionRefused(boolean foreign, String session, String reason) {
        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        assertThat(HttpUtil.isKeepAlive(response)).isTrue();
        assertThat(body(response).at("/error/message").asText())
                .isEqualTo("session not found; initialize a new session");
        ExchangeLog log = logs.get(0);
        assertThat(log.sessionRefusal())
                .isEqualTo(new ExchangeLog.SessionRefusal(foreign, SessionIds.fingerprint(session)));
        assertThat(log.ending().outcome()).isEqualTo(Outcome.SESSION_REFUSED);
        assertThat(log.ending().httpStatus()).isEqualTo(404);
        assertThat(log.ending().code()).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
        assertThat(log.ending().reason()).isEqualTo(reason);
    }

    @Test
    void a_session_the_server_creates_is_its_subjects_and_only_its_subjects() {
        aliceCreates("s1");
        assertThat(authenticator.sessions().sessionsOf(ALICE)).isEqualTo(1);

        assertThat(passes(request(HttpMethod.POST, aliceKey, "s1"))).isTrue();
        assertThat(passes(request(HttpMethod.POST, bobKey, "s1"))).isFalse();
        assertSessionRefused(true, "s1", "the session belongs to another subject");

        assertThat(passes(request(HttpMethod.POST, aliceKey, "s2"))).isFalse();
        assertSessionRefused(false, "s2", "the session is unknown or expired");
        assertThat(standing("s1", ALICE)).isEqualTo(SessionBindings.Standing.OWNED);
    }

    @Test
    void a_refused_session_binds_nothing_even_if_a_success_follows_on_the_connection() {
        aliceCreates("s1");
        assertThat(passes(request(HttpMethod.POST, bobKey, "s1"))).isFalse();
        channel.<FullHttpResponse>readOutbound().release();

        serverAnswers(HttpResponseStatus.OK, "s7");

        assertThat(standing("s7", BOB)).isEqualTo(SessionBindings.Standing.UNKNOWN);
    }

    @Test
    void an_unsuccessful_answer_or_one_to_a_request_with_a_session_binds_nothing() {
        assertThat(passes(request(HttpMethod.POST, aliceKey, null))).isTrue();
        serverAnswers(HttpResponseStatus.BAD_REQUEST, "s1");
        assertThat(standing("s1", ALICE)).isEqualTo(SessionBindings.Standing.UNKNOWN);
        serverAnswers(HttpResponseStatus.ACCEPTED, null);
        assertThat(authenticator.sessions().sessionsOf(ALICE)).isZero();

        aliceCreates("s2");
        assertThat(passes(request(HttpMethod.POST, aliceKey, "s2"))).isTrue();
        serverAnswers(HttpResponseStatus.OK, "s3");
        assertThat(standing("s3", ALICE)).isEqualTo(SessionBindings.Standing.UNKNOWN);
    }

    @Test
    void a_successful_delete_by_the_owner_ends_the_session_and_a_failed_one_does_not() {
        aliceCreates("s1");

        assertThat(passes(request(HttpMethod.POST, aliceKey, "s1"))).isTrue();
        serverAnswers(HttpResponseStatus.OK, null);
        assertThat(standing("s1", ALICE)).isEqualTo(SessionBindings.Standing.OWNED);

        assertThat(passes(request(HttpMethod.DELETE, aliceKey, "s1"))).isTrue();
        serverAnswers(HttpResponseStatus.INTERNAL_SERVER_ERROR, null);
        assertThat(standing("s1", ALICE)).isEqualTo(SessionBindings.Standing.OWNED);

        assertThat(passes(request(HttpMethod.DELETE, aliceKey, "s1"))).isTrue();
        serverAnswers(HttpResponseStatus.OK, null);
        assertThat(standing("s1", ALICE)).isEqualTo(SessionBindings.Standing.UNKNOWN);

        assertThat(passes(request(HttpMethod.DELETE, aliceKey, null))).isTrue();
        serverAnswers(HttpResponseStatus.OK, null); // no session to end: nothing happens
        assertThat(authenticator.sessions().sessionsOf(ALICE)).isZero();
    }

    @Test
    void a_session_id_the_server_issues_twice_stays_with_its_first_owner_and_is_logged() {
        Logger logger = (Logger) LoggerFactory.getLogger(SessionBindingHandler.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            aliceCreates("s1");
            assertThat(logged.list).isEmpty();

            assertThat(passes(request(HttpMethod.POST, bobKey, null))).isTrue();
            serverAnswers(HttpResponseStatus.OK, "s1");

            assertThat(standing("s1", ALICE)).isEqualTo(SessionBindings.Standing.OWNED);
            assertThat(logged.list).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.ERROR);
                assertThat(event.getKeyValuePairs().toString())
                        .contains("security.session_collision")
                        .contains(SessionIds.fingerprint("s1"))
                        .doesNotContain("value=s1");
            });
        } finally {
            logger.detachAppender(logged);
        }
    }

    @Test
    void on_the_modern_protocol_a_presented_session_is_ignored_and_none_is_bound() {
        aliceCreates("s1");
        HttpRequest modern = request(HttpMethod.POST, bobKey, "s1");
        modern.headers().set("MCP-Protocol-Version", "2026-07-28");

        assertThat(passes(modern)).isTrue();
        serverAnswers(HttpResponseStatus.OK, "s2");
        assertThat(standing("s2", BOB)).isEqualTo(SessionBindings.Standing.UNKNOWN);

        HttpRequest legacy = request(HttpMethod.POST, bobKey, "s1");
        legacy.headers().set("MCP-Protocol-Version", "2025-11-25");
        assertThat(passes(legacy)).isFalse();
    }

    @Test
    void without_authentication_sessions_are_neither_checked_nor_bound() {
        Authenticator open =
                new Authenticator(StageFixture.auth(ProxyConfig.Auth.Mode.NONE, null, null, null, List.of()));
        channel.finishAndReleaseAll();
        channel = channel(open);

        assertThat(passes(request(HttpMethod.POST, null, "anything"))).isTrue();
        assertThat(passes(request(HttpMethod.POST, null, null))).isTrue();
        serverAnswers(HttpResponseStatus.OK, "s1");
        assertThat(open.sessions().standing("s1", "none:anonymous")).isEqualTo(SessionBindings.Standing.UNKNOWN);
        open.close();
    }

    @Test
    void a_request_to_another_path_and_body_parts_both_ways_pass_untouched() {
        aliceCreates("s1");
        HttpRequest health = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/health");
        health.headers().set("Mcp-Session-Id", "s1");
        HttpContent part = new DefaultHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));

        assertThat(passes(health)).isTrue();
        channel.writeInbound(part);
        assertThat(channel.<Object>readInbound()).isSameAs(part);
        part.release();
        HttpContent answerPart = new DefaultHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
        channel.writeOutbound(answerPart);
        assertThat(channel.<Object>readOutbound())
                .as("a piece of an answer binds nothing")
                .isSameAs(answerPart);
        answerPart.release();
        serverAnswers(HttpResponseStatus.OK, "s5");
        assertThat(standing("s5", ALICE)).isEqualTo(SessionBindings.Standing.UNKNOWN);
    }

    @Test
    void a_refused_session_whose_body_is_still_to_come_closes_the_connection() {
        aliceCreates("s1");
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + bobKey);
        request.headers().set("Mcp-Session-Id", "s1");
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);

        assertThat(passes(request)).isFalse();

        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        assertThat(HttpUtil.isKeepAlive(response)).isFalse();
        response.release();
        assertThat(channel.isOpen()).isFalse();
    }
}
