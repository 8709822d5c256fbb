package io.mcpguard.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import io.mcpguard.proxy.config.ProxyConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where the issuer's keys come from (configured, OpenID Connect or RFC 8414 metadata), what a published document
 * must hold to be trusted, and how the cache behaves when the issuer fails — against a real HTTP server.
 */
class IssuerKeysTest {
    private record Answer(int status, String body) {}

    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private HttpServer server;
    private String base;
    private RSAKey key;
    private IssuerKeys keys;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            Answer answer = answers.getOrDefault(path, new Answer(404, "{}"));
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
    }

    @AfterEach
    void stop() {
        if (keys != null) {
            keys.close();
        }
        server.stop(0);
    }

    private IssuerKeys keys(String issuer, String jwksUri) {
        ProxyConfig.Auth auth = new ProxyConfig.Auth(
                ProxyConfig.Auth.Mode.REQUIRED,
                URI.create("https://mcp.example/mcp"),
                URI.create(issuer),
                jwksUri == null ? null : URI.create(jwksUri),
                List.of("RS256"),
                Duration.ofSeconds(30),
                Duration.ofSeconds(60),
                Duration.ofSeconds(10),
                Duration.ofSeconds(5),
                List.of(),
                Map.of(),
                Map.of(),
                null,
                new ProxyConfig.Auth.Claims("roles", "groups", "tenant"),
                null,
                Duration.ofSeconds(30),
                Duration.ofMinutes(30),
                100,
                10);
        keys = new IssuerKeys(auth, clock::get);
        return keys;
    }

    private String jwks(RSAKey... published) {
        return new JWKSet(List.of(published)).toString(false);
    }

    private void serveJwks(String path) {
        answers.put(path, new Answer(200, jwks(key.toPublicJWK())));
    }

    private static String metadata(String issuer, String jwksUri) {
        return "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + jwksUri + "\"}";
    }

    private static void assertUnavailable(IssuerKeys keys) {
        assertThatThrownBy(() -> keys.keysFor("k1").join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(
                        AuthenticationFailure.class,
                        f -> assertThat(f.kind()).isEqualTo(AuthenticationFailure.Kind.UNAVAILABLE));
        assertThat(keys.cached()).isNull();
    }

    /**
     * Waits for a completed fetch to be stored: the caller's future can complete a moment before the fetch's own
     * bookkeeping (the cache, the in-flight marker) runs on the fetch thread.
     */
    private static JWKSet loaded(IssuerKeys keys, String kid) throws InterruptedException {
        JWKSet set = keys.keysFor(kid).join();
        for (int i = 0; i < 500 && keys.cached() == null; i++) {
            Thread.sleep(2);
        }
        return set;
    }

    private int hits(String path) {
        AtomicInteger count = hits.get(path);
        return count == null ? 0 : count.get();
    }

    @Test
    void a_configured_jwks_uri_is_fetched_without_discovery() {
        serveJwks("/keys");

        JWKSet set = keys(base + "/realm", base + "/keys").keysFor("k1").join();

        assertThat(set.getKeyByKeyId("k1")).isEqualTo(key.toPublicJWK());
        assertThat(hits("/realm/.well-known/openid-configuration")).isZero();
    }

    @Test
    void the_openid_metadata_names_the_jwks_and_is_read_once() throws Exception {
        String issuer = base + "/realm";
        answers.put("/realm/.well-known/openid-configuration", new Answer(200, metadata(issuer + "/", base + "/k")));
        serveJwks("/k");
        IssuerKeys keys = keys(issuer, null);

        assertThat(loaded(keys, "k1").getKeys()).hasSize(1);
        clock.addAndGet(Duration.ofSeconds(11).toNanos());
        keys.keysFor("unknown").join();

        assertThat(hits("/realm/.well-known/openid-configuration")).isEqualTo(1);
        assertThat(hits("/k")).isEqualTo(2);
    }

    @Test
    void without_openid_metadata_the_rfc8414_metadata_is_read() {
        String issuer = base + "/realm";
        answers.put("/.well-known/oauth-authorization-server/realm", new Answer(200, metadata(issuer, base + "/k")));
        serveJwks("/k");

        assertThat(keys(issuer, null).keysFor("k1").join().getKeyByKeyId("k1")).isNotNull();
        assertThat(hits("/realm/.well-known/openid-configuration")).isEqualTo(1);
    }

    @Test
    void the_rfc8414_address_puts_the_well_known_segment_before_the_issuers_path() {
        assertThat(IssuerKeys.rfc8414(URI.create("https://id.example/realms/acme/")))
                .isEqualTo(URI.create("https://id.example/.well-known/oauth-authorization-server/realms/acme"));
        assertThat(IssuerKeys.rfc8414(URI.create("https://id.example:8443")))
                .isEqualTo(URI.create("https://id.example:8443/.well-known/oauth-authorization-server"));
    }

    @Test
    void an_issuer_without_metadata_has_no_keys() {
        assertUnavailable(keys(base + "/realm", null));
    }

    @Test
    void metadata_naming_another_issuer_is_not_trusted() {
        answers.put(
                "/realm/.well-known/openid-configuration",
                new Answer(200, metadata("https://evil.example/realm", base + "/k")));
        serveJwks("/k");

        assertUnavailable(keys(base + "/realm", null));
        assertThat(hits("/k")).isZero();
    }

    @Test
    void metadata_without_an_issuer_or_a_textual_jwks_uri_or_that_is_not_json_is_not_trusted() {
        serveJwks("/k");
        String oidc = "/realm/.well-known/openid-configuration";
        for (String document : List.of(
                "{\"jwks_uri\":\"" + base + "/k\"}",
                "{\"issuer\":\"" + base + "/realm\"}",
                "{\"issuer\":\"" + base + "/realm\",\"jwks_uri\":7}",
                "not json")) {
            answers.put(oidc, new Answer(200, document));
            IssuerKeys keys = keys(base + "/realm", null);
            assertUnavailable(keys);
            keys.close();
        }
        assertThat(hits("/k")).isZero();
    }

    @Test
    void a_jwks_uri_over_plain_http_is_trusted_only_on_loopback() {
        String issuer = base + "/realm";
        String oidc = "/realm/.well-known/openid-configuration";
        serveJwks("/k");

        for (String jwksUri : List.of(
                "http://issuer.example/k", "ftp://127.0.0.1/k", "/k", "http://10.0.0.1/k", "http://localhost.evil/k")) {
            answers.put(oidc, new Answer(200, metadata(issuer, jwksUri)));
            IssuerKeys keys = keys(issuer, null);
            assertUnavailable(keys);
            keys.close();
        }

        answers.put(
                oidc,
                new Answer(
                        200,
                        metadata(
                                issuer,
                                "http://localhost:" + server.getAddress().getPort() + "/k")));
        assertThat(keys(issuer, null).keysFor("k1").join().getKeyByKeyId("k1")).isNotNull();
        answers.put(
                oidc,
                new Answer(
                        200,
                        metadata(
                                issuer,
                                "http://127.0.0.1:" + server.getAddress().getPort() + "/k")));
        assertThat(keys(issuer, null).keysFor("k1").join().getKeyByKeyId("k1")).isNotNull();
    }

    @Test
    void a_jwks_uri_over_https_is_fetched_wherever_it_is() {
        String issuer = base + "/realm";
        answers.put(
                "/realm/.well-known/openid-configuration", new Answer(200, metadata(issuer, "https://127.0.0.1:1/k")));
        try (io.mcpguard.proxy.testing.LogCapture logs =
                        new io.mcpguard.proxy.testing.LogCapture(IssuerKeys.class.getName());
                IssuerKeys keys = keys(issuer, null)) {
            assertUnavailable(keys); // nothing listens there: the fetch itself fails

            assertThat(logs.lines())
                    .anySatisfy(line -> assertThat(line.text()).contains("cannot fetch the issuer's signing keys"))
                    .noneMatch(line -> line.text().contains("not https"));
        }
    }

    @Test
    void a_jwks_that_fails_is_too_large_is_malformed_or_holds_no_public_key_gives_no_keys() throws Exception {
        OctetSequenceKey secret = new OctetSequenceKeyGenerator(256).keyID("k1").generate();
        for (Answer bad : List.of(
                new Answer(500, "{}"),
                new Answer(302, "{}"),
                new Answer(200, "{\"keys\":[]," + "\"pad\":\"" + "x".repeat(IssuerKeys.MAX_DOCUMENT_BYTES) + "\"}"),
                new Answer(200, "{\"keys\":"),
                new Answer(200, new JWKSet(secret).toString(false)),
                new Answer(404, "{}"))) {
            answers.put("/k", bad);
            IssuerKeys keys = keys(base + "/realm", base + "/k");
            assertUnavailable(keys);
            keys.close();
        }
    }

    @Test
    void a_private_key_in_the_published_set_is_kept_only_as_its_public_half() {
        answers.put("/k", new Answer(200, new JWKSet(key).toString(false)));

        JWKSet set = keys(base + "/realm", base + "/k").keysFor("k1").join();

        assertThat(set.getKeyByKeyId("k1").isPrivate()).isFalse();
    }

    @Test
    void when_the_issuer_fails_the_cached_keys_keep_serving() throws Exception {
        serveJwks("/k");
        IssuerKeys keys = keys(base + "/realm", base + "/k");
        JWKSet first = loaded(keys, "k1");
        answers.put("/k", new Answer(503, "{}"));
        clock.addAndGet(Duration.ofSeconds(11).toNanos());

        assertThat(keys.keysFor("rotated").join()).isEqualTo(first);
        assertThat(keys.cached()).isEqualTo(first);
        assertThat(hits("/k")).isEqualTo(2);
    }

    @Test
    void an_unknown_kid_refreshes_at_most_once_per_minimum_interval() throws Exception {
        serveJwks("/k");
        IssuerKeys keys = keys(base + "/realm", base + "/k");
        loaded(keys, "k1");

        keys.keysFor("made-up-1").join();
        keys.keysFor("made-up-2").join();
        assertThat(hits("/k")).as("within the minimum interval").isEqualTo(1);

        clock.addAndGet(Duration.ofSeconds(10).toNanos());
        keys.keysFor("made-up-3").join();
        assertThat(hits("/k")).isEqualTo(2);
    }

    @Test
    void a_known_kid_is_served_from_the_cache_and_refreshed_in_the_background_once_stale() throws Exception {
        serveJwks("/k");
        IssuerKeys keys = keys(base + "/realm", base + "/k");
        keys.prefetch();
        JWKSet first = loaded(keys, "k1");
        keys.keysFor(null).join();
        assertThat(hits("/k")).isEqualTo(1);

        RSAKey next = new RSAKeyGenerator(2048).keyID("k2").generate();
        answers.put("/k", new Answer(200, jwks(key.toPublicJWK(), next.toPublicJWK())));
        clock.addAndGet(Duration.ofSeconds(61).toNanos());

        assertThat(keys.keysFor("k1").join())
                .as("stale keys serve while the refresh runs")
                .isSameAs(first);
        for (int i = 0; i < 100 && keys.cached() == first; i++) {
            Thread.sleep(20);
        }
        assertThat(keys.cached().getKeyByKeyId("k2")).isNotNull();
    }

    @Test
    void while_no_key_was_ever_loaded_a_retry_waits_a_second_at_most() {
        answers.put("/k", new Answer(500, "{}"));
        IssuerKeys keys = keys(base + "/realm", base + "/k");
        assertUnavailable(keys);
        assertUnavailable(keys);
        assertThat(hits("/k")).as("a second try within the second is not sent").isEqualTo(1);

        serveJwks("/k");
        clock.addAndGet(Duration.ofSeconds(1).toNanos() + 1);
        assertThat(keys.keysFor("k1").join().getKeyByKeyId("k1")).isNotNull();
        assertThat(hits("/k")).isEqualTo(2);
    }

    @Test
    void a_client_error_for_the_openid_metadata_means_absent_but_a_server_error_fails_the_discovery() {
        String issuer = base + "/realm";
        answers.put("/.well-known/oauth-authorization-server/realm", new Answer(200, metadata(issuer, base + "/k")));
        serveJwks("/k");
        String oidc = "/realm/.well-known/openid-configuration";

        answers.put(oidc, new Answer(400, "{}"));
        assertThat(keys(issuer, null).keysFor("k1").join().getKeyByKeyId("k1")).isNotNull();
        keys.close();
        answers.put(oidc, new Answer(499, "{}"));
        assertThat(keys(issuer, null).keysFor("k1").join().getKeyByKeyId("k1")).isNotNull();
        keys.close();

        answers.put(oidc, new Answer(500, "{}"));
        assertUnavailable(keys(issuer, null));
    }

    @Test
    void a_document_of_exactly_the_size_limit_is_read() {
        String set = jwks(key.toPublicJWK());
        answers.put("/k", new Answer(200, set + " ".repeat(IssuerKeys.MAX_DOCUMENT_BYTES - set.length())));

        assertThat(keys(base + "/realm", base + "/k").keysFor("k1").join().getKeyByKeyId("k1"))
                .isNotNull();
    }
}
