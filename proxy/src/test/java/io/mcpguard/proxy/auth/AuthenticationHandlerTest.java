package io.mcpguard.proxy.auth;

import static io.mcpguard.proxy.auth.StageFixture.body;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.http.RequestTiming;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.policy.Subject;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The identity stage on an embedded channel, with real API keys from a key file and real JWTs against a JWKS served
 * over loopback HTTP: what passes (and with which identity), what is answered (status, error code, challenge,
 * exchange log), and whether the connection survives the answer.
 */
class AuthenticationHandlerTest {
    private static final String MCP = "/mcp";

    @TempDir
    Path dir;

    private final List<ExchangeLog> logs = new ArrayList<>();
    private final List<Object> timings = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private EmbeddedChannel channel;

    @AfterEach
    void close() throws Exception {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private Authenticator lastAuthenticator;

    private Authenticator authenticator(ProxyConfig.Auth config) {
        Authenticator authenticator = new Authenticator(config);
        lastAuthenticator = authenticator;
        closing.add(authenticator);
        return authenticator;
    }

    /** Keys for alice and bob with scope {@code mcp}; every request needs {@code required}. */
    private List<String> keyChannel(List<String> required) {
        Path file = dir.resolve("keys.yaml");
        List<String> keys = StageFixture.writeKeys(file, List.of("mcp"), "alice", "bob");
        Authenticator authenticator =
                authenticator(StageFixture.auth(ProxyConfig.Auth.Mode.REQUIRED, null, null, file, required));
        channel = StageFixture.channel(
                logs, timings, new AuthenticationHandler(authenticator, new HttpAnswers(StageFixture.JSON), MCP));
        return keys;
    }

    /** A request head with no body, optionally with Authorization headers. */
    private static HttpRequest head(HttpMethod method, String uri, String... authorization) {
        HttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        for (String value : authorization) {
            request.headers().add(HttpHeaderNames.AUTHORIZATION, value);
        }
        return request;
    }

    private FullHttpResponse answer() {
        Object out = channel.readOutbound();
        assertThat(out).as("the stage answered").isInstanceOf(FullHttpResponse.class);
        return (FullHttpResponse) out;
    }

    private ChannelHandlerContext ctx() {
        return channel.pipeline().context(AuthenticationHandler.class);
    }

    private ExchangeLog.Ending ending() {
        assertThat(logs).hasSize(1);
        return logs.get(0).ending();
    }

    private void assertRefused(
            HttpResponseStatus status, ErrorCode code, Outcome outcome, String message, String challenge) {
        assertThat(channel.<Object>readInbound()).as("nothing passes").isNull();
        FullHttpResponse response = answer();
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.headers().get(HttpHeaderNames.WWW_AUTHENTICATE)).isEqualTo(challenge);
        JsonNode json = body(response);
        assertThat(json.at("/error/code").asInt()).isEqualTo(code.code());
        assertThat(json.at("/error/message").asText()).isEqualTo(message);
        assertThat(ending().outcome()).isEqualTo(outcome);
        assertThat(ending().httpStatus()).isEqualTo(status.code());
        assertThat(ending().code()).isEqualTo(code);
        assertThat(channel.attr(AttributeKey.<Identity>valueOf("mcpguard.identity"))
                        .get())
                .isNull();
    }

    private static final String BASE_CHALLENGE =
            "Bearer resource_metadata=\"https://mcp.example/.well-known/oauth-protected-resource/mcp\"";

    @Test
    void a_valid_api_key_passes_with_its_identity_on_the_channel_and_in_the_exchange_log() {
        List<String> keys = keyChannel(List.of("mcp"));
        HttpRequest request = head(HttpMethod.POST, MCP, "Bearer " + keys.get(0));

        channel.writeInbound(request);

        assertThat(channel.<Object>readInbound()).isSameAs(request);
        Identity identity = AuthenticationHandler.identityOf(ctx());
        assertThat(identity.subject().id()).isEqualTo("alice");
        assertThat(identity.subject().authenticated()).isTrue();
        assertThat(AuthenticationHandler.verifiedIdentityOf(ctx())).isSameAs(identity);
        assertThat(AuthenticationHandler.VERIFIED_SUBJECTS.subjectOf(ctx(), null))
                .isSameAs(identity.subject());
        assertThat(ExchangeLog.of(channel).subject()).isEqualTo(identity.subject());
        assertThat(ExchangeLog.of(channel).isComplete()).isFalse();
        assertThat(logs).as("no exchange completed").isEmpty();
        assertThat(lastAuthenticator.apiKeyLastUsed("alice")).isPresent();
        assertThat(lastAuthenticator.apiKeyLastUsed("bob")).isEmpty();
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void the_scheme_is_case_insensitive_and_spaces_around_the_credential_are_ignored() {
        List<String> keys = keyChannel(List.of());

        channel.writeInbound(head(HttpMethod.POST, MCP, "bEaReR   " + keys.get(1)));

        assertThat(channel.<HttpRequest>readInbound()).isNotNull();
        assertThat(AuthenticationHandler.identityOf(ctx()).subject().id()).isEqualTo("bob");
    }

    @Test
    void another_path_and_a_request_the_codec_could_not_read_pass_unauthenticated_and_forget_the_last_identity() {
        List<String> keys = keyChannel(List.of());
        channel.writeInbound(head(HttpMethod.POST, MCP, "Bearer " + keys.get(0)));
        channel.<HttpRequest>readInbound();
        assertThat(AuthenticationHandler.verifiedIdentityOf(ctx())).isNotNull();

        HttpRequest health = head(HttpMethod.GET, "/health");
        channel.writeInbound(health);
        assertThat(channel.<Object>readInbound()).isSameAs(health);
        assertThat(AuthenticationHandler.verifiedIdentityOf(ctx())).isNull();
        assertThat(AuthenticationHandler.identityOf(ctx())).isEqualTo(Identity.ANONYMOUS);

        HttpRequest subPath = head(HttpMethod.POST, MCP + "/x?a=1");
        channel.writeInbound(subPath);
        assertThat(channel.<Object>readInbound()).isSameAs(subPath);

        HttpRequest broken = head(HttpMethod.POST, MCP);
        broken.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("header too long")));
        channel.writeInbound(broken);
        assertThat(channel.<Object>readInbound()).isSameAs(broken);
        assertThat(AuthenticationHandler.verifiedIdentityOf(ctx())).isNull();
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void with_authentication_off_every_request_passes_as_the_anonymous_subject() {
        Authenticator authenticator =
                authenticator(StageFixture.auth(ProxyConfig.Auth.Mode.NONE, null, null, null, List.of("mcp")));
        channel = StageFixture.channel(
                logs, timings, new AuthenticationHandler(authenticator, new HttpAnswers(StageFixture.JSON), MCP));
        assertThat(authenticator.required()).isFalse();

        HttpRequest request = head(HttpMethod.POST, MCP);
        channel.writeInbound(request);

        assertThat(channel.<Object>readInbound()).isSameAs(request);
        assertThat(AuthenticationHandler.verifiedIdentityOf(ctx())).isSameAs(Identity.ANONYMOUS);
        assertThat(ExchangeLog.of(channel).subject()).isEqualTo(Subject.ANONYMOUS);
    }

    @Test
    void no_credential_is_a_401_with_a_challenge_without_an_error_and_a_security_log_event() {
        keyChannel(List.of());
        Logger logger = (Logger) LoggerFactory.getLogger(AuthenticationHandler.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        closing.add(() -> logger.detachAppender(logged));

        channel.writeInbound(head(HttpMethod.POST, MCP));

        assertThat(logged.list)
                .singleElement()
                .satisfies(event -> assertThat(event.getKeyValuePairs().toString())
                        .contains("event.name=\"security.authentication_failed\"")
                        .contains("client.address=\"embedded\"")
                        .contains("reason=\"a Bearer token or API key is required\""));

        assertRefused(
                HttpResponseStatus.UNAUTHORIZED,
                ErrorCode.AUTHENTICATION_REQUIRED,
                Outcome.UNAUTHENTICATED,
                "Authentication required: a Bearer token or API key is required",
                BASE_CHALLENGE);
        assertThat(ending().reason()).isEqualTo("a Bearer token or API key is required");
    }

    @Test
    void the_security_event_names_the_client_s_ip_address() {
        Authenticator authenticator =
                authenticator(StageFixture.auth(ProxyConfig.Auth.Mode.REQUIRED, null, null, null, List.of()));
        channel = StageFixture.channelFrom(
                new java.net.InetSocketAddress("192.0.2.7", 40000),
                logs,
                timings,
                new AuthenticationHandler(authenticator, new HttpAnswers(StageFixture.JSON), MCP));
        Logger logger = (Logger) LoggerFactory.getLogger(AuthenticationHandler.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        closing.add(() -> logger.detachAppender(logged));

        channel.writeInbound(head(HttpMethod.POST, MCP));

        assertThat(logged.list)
                .singleElement()
                .satisfies(event ->
                        assertThat(event.getKeyValuePairs().toString()).contains("client.address=\"192.0.2.7\""));
        answer().release();
    }

    @Test
    void a_header_that_is_not_a_bearer_credential_counts_as_none() {
        List<String> keys = keyChannel(List.of());
        for (String value : new String[] {
            "Basic " + keys.get(0), "Bearer", "Bearer ", "Bearer  x y", "Bearer a=b", "Bearer é", "Token " + keys.get(0)
        }) {
            logs.clear();
            channel.writeInbound(head(HttpMethod.POST, MCP, value));
            assertRefused(
                    HttpResponseStatus.UNAUTHORIZED,
                    ErrorCode.AUTHENTICATION_REQUIRED,
                    Outcome.UNAUTHENTICATED,
                    "Authentication required: a Bearer token or API key is required",
                    BASE_CHALLENGE);
        }
    }

    @Test
    void a_token_in_the_url_is_a_400_invalid_request_even_with_a_valid_header() {
        List<String> keys = keyChannel(List.of());

        channel.writeInbound(head(HttpMethod.POST, MCP + "?access_token=abc", "Bearer " + keys.get(0)));

        assertRefused(
                HttpResponseStatus.BAD_REQUEST,
                ErrorCode.BAD_CREDENTIAL_REQUEST,
                Outcome.UNAUTHENTICATED,
                "Bad credential request: send the token in the Authorization header only",
                BASE_CHALLENGE
                        + ", error=\"invalid_request\", error_description=\"send the token in the Authorization header"
                        + " only\"");
    }

    @Test
    void two_authorization_headers_are_a_400_invalid_request() {
        List<String> keys = keyChannel(List.of());

        channel.writeInbound(head(HttpMethod.POST, MCP, "Bearer " + keys.get(0), "Bearer " + keys.get(1)));

        assertRefused(
                HttpResponseStatus.BAD_REQUEST,
                ErrorCode.BAD_CREDENTIAL_REQUEST,
                Outcome.UNAUTHENTICATED,
                "Bad credential request: send exactly one Authorization header",
                BASE_CHALLENGE
                        + ", error=\"invalid_request\", error_description=\"send exactly one Authorization header\"");
    }

    @Test
    void a_wrong_api_key_is_a_401_invalid_token_that_does_not_quote_the_key() {
        List<String> keys = keyChannel(List.of("mcp"));
        String wrong = keys.get(0) + "x";

        channel.writeInbound(head(HttpMethod.POST, MCP, "Bearer " + wrong));

        assertRefused(
                HttpResponseStatus.UNAUTHORIZED,
                ErrorCode.AUTHENTICATION_REQUIRED,
                Outcome.UNAUTHENTICATED,
                "Invalid credential: the API key is not valid",
                BASE_CHALLENGE
                        + ", scope=\"mcp\", error=\"invalid_token\", error_description=\"the API key is not valid\"");
    }

    @Test
    void a_jwt_without_an_issuer_configured_is_refused_naming_api_keys() {
        keyChannel(List.of());

        channel.writeInbound(head(HttpMethod.POST, MCP, "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln=="));

        assertRefused(
                HttpResponseStatus.UNAUTHORIZED,
                ErrorCode.AUTHENTICATION_REQUIRED,
                Outcome.UNAUTHENTICATED,
                "Invalid credential: no token issuer is configured; use an API key",
                BASE_CHALLENGE
                        + ", error=\"invalid_token\", error_description=\"no token issuer is configured; use an API"
                        + " key\"");

        // The shortest credential is one character: it reaches the verifier, not the "missing" answer.
        logs.clear();
        channel.writeInbound(head(HttpMethod.POST, MCP, "Bearer x"));
        assertThat(answer().headers().get(HttpHeaderNames.WWW_AUTHENTICATE)).contains("error=\"invalid_token\"");
    }

    @Test
    void an_api_key_without_a_key_file_configured_is_refused() {
        Authenticator authenticator =
                authenticator(StageFixture.auth(ProxyConfig.Auth.Mode.REQUIRED, null, null, null, List.of()));
        channel = StageFixture.channel(
                logs, timings, new AuthenticationHandler(authenticator, new HttpAnswers(StageFixture.JSON), MCP));

        channel.writeInbound(head(HttpMethod.POST, MCP, "Bearer " + ApiKeyStore.newKey("k")[0]));

        assertRefused(
                HttpResponseStatus.UNAUTHORIZED,
                ErrorCode.AUTHENTICATION_REQUIRED,
                Outcome.UNAUTHENTICATED,
                "Invalid credential: API keys are not accepted here",
                BASE_CHALLENGE + ", error=\"invalid_token\", error_description=\"API keys are not accepted here\"");
        assertThat(authenticator.apiKeyLastUsed("k")).isEmpty();
    }

    @Test
    void a_credential_without_a_scope_every_request_needs_is_a_403_naming_the_scope() {
        List<String> keys = keyChannel(List.of("admin"));

        channel.writeInbound(head(HttpMethod.POST, MCP, "Bearer " + keys.get(0)));

        assertThat(channel.<Object>readInbound()).isNull();
        FullHttpResponse response = answer();
        assertThat(response.status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(response.headers().get(HttpHeaderNames.WWW_AUTHENTICATE))
                .isEqualTo("Bearer error=\"insufficient_scope\", scope=\"admin\", resource_metadata=\""
                        + "https://mcp.example/.well-known/oauth-protected-resource/mcp\", error_description=\"a"
                        + " required scope is missing\"");
        assertThat(body(response).at("/error/message").asText())
                .isEqualTo("Insufficient scope: this request needs admin");
        assertThat(ending().outcome()).isEqualTo(Outcome.INSUFFICIENT_SCOPE);
        assertThat(ending().code()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE);
        assertThat(ending().httpStatus()).isEqualTo(403);
        assertThat(logs.get(0).scopesNeeded()).containsExactly("admin");
        assertThat(logs.get(0).subject().id()).isEqualTo("alice");
        assertThat(AuthenticationHandler.verifiedIdentityOf(ctx())).isNull();
    }

    @Test
    void an_answer_to_a_request_without_a_body_keeps_the_connection_and_ends_the_request() {
        keyChannel(List.of());

        channel.writeInbound(head(HttpMethod.POST, MCP));
        HttpRequest zeroLength = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        zeroLength.headers().set(HttpHeaderNames.CONTENT_LENGTH, "0");
        channel.writeInbound(zeroLength);

        assertThat(HttpUtil.isKeepAlive(answer())).isTrue();
        assertThat(HttpUtil.isKeepAlive(answer())).isTrue();
        assertThat(channel.isOpen()).isTrue();
        assertThat(timings).containsExactly(RequestTiming.RECEIVED, RequestTiming.RECEIVED);
    }

    @Test
    void an_answer_to_a_request_whose_body_is_still_to_come_closes_and_drops_the_body_unread() {
        keyChannel(List.of());
        // The socket's close takes a moment; body parts the codec already decoded still arrive meanwhile.
        List<String> closes = new ArrayList<>();
        channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
                closes.add("close");
                promise.setSuccess();
            }
        });
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 4);

        channel.writeInbound(request);

        FullHttpResponse response = answer();
        assertThat(HttpUtil.isKeepAlive(response)).isFalse();
        response.release();
        assertThat(closes).containsExactly("close");
        assertThat(timings).isEmpty();
        HttpContent part = new DefaultHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
        DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
        channel.writeInbound(part, last);
        assertThat(part.refCnt()).isZero();
        assertThat(last.refCnt()).isZero();
        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(timings).containsExactly(RequestTiming.RECEIVED);
    }

    @Test
    void a_chunked_request_or_one_asking_to_close_is_answered_with_close() {
        keyChannel(List.of());
        HttpRequest chunked = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        chunked.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "Chunked");
        channel.writeInbound(chunked);
        assertThat(HttpUtil.isKeepAlive(answer())).isFalse();

        keyChannel(List.of());
        HttpRequest closing = head(HttpMethod.POST, MCP);
        closing.headers().set(HttpHeaderNames.CONNECTION, "close");
        channel.writeInbound(closing);
        assertThat(HttpUtil.isKeepAlive(answer())).isFalse();
        assertThat(timings).containsExactly(RequestTiming.RECEIVED);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void after_a_refused_request_the_next_request_and_its_body_are_read_again() {
        List<String> keys = keyChannel(List.of());
        HttpRequest refused = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        refused.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        channel.writeInbound(refused);
        answer().release();

        // A pipelined request that arrived before the close is read as a request, and its body passes with it.
        HttpRequest next = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        next.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + keys.get(0));
        next.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        DefaultLastHttpContent body = new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
        channel.pipeline().fireChannelRead(next).fireChannelRead(body);

        assertThat(channel.<Object>readInbound()).isSameAs(next);
        assertThat(channel.<Object>readInbound()).isSameAs(body);
        body.release();
    }

    // ---- a JWT whose issuer's keys are still being fetched ----

    /** A JWKS endpoint that answers (the keys, or 500) only once released. */
    private static final class SlowIssuer implements AutoCloseable {
        final ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        final CountDownLatch release = new CountDownLatch(1);
        final HttpServer server;

        SlowIssuer(boolean fails) throws Exception {
            byte[] document = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/jwks", exchange -> {
                try {
                    release.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.sendResponseHeaders(fails ? 500 : 200, fails ? -1 : document.length);
                if (!fails) {
                    exchange.getResponseBody().write(document);
                }
                exchange.close();
            });
            server.start();
        }

        URI jwks() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
        }

        String token(String subject) throws Exception {
            return token(subject, "k1");
        }

        String token(String subject, String kid) throws Exception {
            Instant now = Instant.now();
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.ES256)
                            .keyID(kid)
                            .type(new JOSEObjectType("at+jwt"))
                            .build(),
                    new JWTClaimsSet.Builder()
                            .issuer("https://issuer.example")
                            .audience(StageFixture.RESOURCE)
                            .subject(subject)
                            .issueTime(Date.from(now))
                            .expirationTime(Date.from(now.plusSeconds(300)))
                            .build());
            jwt.sign(new ECDSASigner(key));
            return jwt.serialize();
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
        }
    }

    private SlowIssuer slowIssuerChannel(boolean fails) throws Exception {
        SlowIssuer issuer = new SlowIssuer(fails);
        closing.add(issuer);
        Authenticator authenticator = authenticator(StageFixture.auth(
                ProxyConfig.Auth.Mode.REQUIRED, URI.create("https://issuer.example"), issuer.jwks(), null, List.of()));
        channel = StageFixture.channel(
                logs, timings, new AuthenticationHandler(authenticator, new HttpAnswers(StageFixture.JSON), MCP));
        return issuer;
    }

    /** Runs the channel's tasks until {@code done} holds (the issuer answered on another thread). */
    private void awaitOnChannel(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("the verification finished").isLessThan(deadline);
            Thread.sleep(5);
            channel.runPendingTasks();
        }
    }

    @Test
    void a_request_waits_unread_for_the_issuers_keys_and_then_passes_with_what_arrived_meanwhile() throws Exception {
        SlowIssuer issuer = slowIssuerChannel(false);
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + issuer.token("carol"));
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        DefaultLastHttpContent body = new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));

        channel.writeInbound(request, body);

        assertThat(channel.<Object>readInbound()).as("held while the keys load").isNull();
        assertThat(channel.config().isAutoRead()).isFalse();
        issuer.release.countDown();
        awaitOnChannel(() -> channel.config().isAutoRead());
        assertThat(channel.<Object>readInbound()).isSameAs(request);
        assertThat(channel.<Object>readInbound()).isSameAs(body);
        assertThat(AuthenticationHandler.verifiedIdentityOf(ctx()).subject().id())
                .isEqualTo("carol");
        body.release();
    }

    @Test
    void a_pipelined_request_that_needs_a_fetch_of_its_own_waits_in_turn_behind_the_first() throws Exception {
        SlowIssuer issuer = slowIssuerChannel(false);
        HttpRequest first = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        first.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + issuer.token("carol"));
        first.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        DefaultLastHttpContent firstBody =
                new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
        // Signed under a key id the issuer does not publish: the keys are fetched again, then it is refused.
        HttpRequest second = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        second.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + issuer.token("carol", "k9"));
        second.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        DefaultLastHttpContent secondBody =
                new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));

        channel.writeInbound(first, firstBody, second, secondBody);
        issuer.release.countDown();
        // The second is refused with its body still to come, which ends the connection.
        awaitOnChannel(() -> !channel.isOpen());

        assertThat(channel.<Object>readInbound()).isSameAs(first);
        assertThat(channel.<Object>readInbound()).isSameAs(firstBody);
        assertThat(channel.<Object>readInbound())
                .as("the second is never passed on")
                .isNull();
        firstBody.release();
        FullHttpResponse refused = answer();
        assertThat(refused.status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        refused.release();
        assertThat(logs)
                .as("only the second's exchange ended: the first is the server's to answer")
                .singleElement()
                .satisfies(log ->
                        assertThat(log.ending().reason()).isEqualTo("no signing key of the issuer matches the token"));
        assertThat(secondBody.refCnt()).as("its body is dropped").isZero();
    }

    @Test
    void keys_that_cannot_be_loaded_are_a_503_without_a_challenge_and_the_waiting_body_is_dropped() throws Exception {
        SlowIssuer issuer = slowIssuerChannel(true);
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + issuer.token("carol"));
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        ByteBuf bytes = Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8);
        DefaultLastHttpContent body = new DefaultLastHttpContent(bytes);

        channel.writeInbound(request, body);
        issuer.release.countDown();
        awaitOnChannel(() -> !logs.isEmpty() && logs.get(0).isComplete());

        assertRefused(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                ErrorCode.IDENTITY_UNAVAILABLE,
                Outcome.IDENTITY_UNAVAILABLE,
                "Identity provider unavailable: the issuer's signing keys cannot be loaded; try again later",
                null);
        assertThat(body.refCnt()).isZero();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void a_connection_closed_while_waiting_for_the_keys_drops_what_it_held() throws Exception {
        Logger keysLogger = (Logger) LoggerFactory.getLogger(IssuerKeys.class);
        ListAppender<ILoggingEvent> keysLogged = new ListAppender<>();
        keysLogged.start();
        keysLogger.addAppender(keysLogged);
        closing.add(() -> keysLogger.detachAppender(keysLogged));
        SlowIssuer issuer = slowIssuerChannel(false);
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + issuer.token("carol"));
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        DefaultLastHttpContent body = new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
        channel.writeInbound(request, body);

        channel.close();

        assertThat(body.refCnt()).isZero();
        issuer.release.countDown();
        // Nothing on the closed channel shows that the verification ended; the issuer's keys being loaded does,
        // and the verification's continuation is queued on the channel's loop right after.
        awaitOnChannel(
                () -> keysLogged.list.stream().anyMatch(e -> e.getMessage().contains("issuer signing keys")));
        Thread.sleep(200);
        channel.runPendingTasks();
        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void a_listener_taking_client_certificates_without_tls_still_asks_for_a_credential() {
        Path file = dir.resolve("keys.yaml");
        StageFixture.writeKeys(file, List.of("mcp"), "alice");
        Authenticator authenticator =
                authenticator(StageFixture.auth(ProxyConfig.Auth.Mode.REQUIRED, null, null, file, List.of()));
        channel = StageFixture.channel(
                logs,
                timings,
                new AuthenticationHandler(
                        authenticator,
                        new HttpAnswers(StageFixture.JSON),
                        MCP,
                        new ClientCertificates(java.util.Map.of("alice", List.of("dev")))));

        channel.writeInbound(head(HttpMethod.POST, MCP));

        assertRefused(
                HttpResponseStatus.UNAUTHORIZED,
                ErrorCode.AUTHENTICATION_REQUIRED,
                Outcome.UNAUTHENTICATED,
                "Authentication required: a Bearer token or API key is required",
                BASE_CHALLENGE);
    }

    /** A request waiting for the issuer's keys, with its body held behind it. */
    private DefaultLastHttpContent waitingWithItsBody(SlowIssuer issuer) throws Exception {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, MCP);
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + issuer.token("carol"));
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        DefaultLastHttpContent body = new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
        channel.writeInbound(request, body);
        assertThat(channel.<Object>readInbound()).isNull();
        return body;
    }

    @Test
    void a_connection_that_goes_inactive_while_waiting_drops_what_it_held() throws Exception {
        SlowIssuer issuer = slowIssuerChannel(false);
        DefaultLastHttpContent body = waitingWithItsBody(issuer);

        channel.pipeline().fireChannelInactive(); // before the close completes and the stages are removed

        assertThat(body.refCnt()).isZero();
    }

    @Test
    void a_stage_removed_while_waiting_drops_what_it_held() throws Exception {
        SlowIssuer issuer = slowIssuerChannel(false);
        DefaultLastHttpContent body = waitingWithItsBody(issuer);

        channel.pipeline().remove(AuthenticationHandler.class);

        assertThat(body.refCnt()).isZero();
    }
}
