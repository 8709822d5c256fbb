package io.mcpguard.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.mcpguard.proxy.config.ProxyConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each check a bearer JWT goes through, against the issuer's keys served over real HTTP (a JWKS endpoint on a
 * loopback port), with tokens this test signs itself so every header and claim can be made wrong on purpose.
 */
class JwtVerifierTest {
    private static final String ISSUER = "https://issuer.example";
    private static final String RESOURCE = "https://mcp.example/mcp";

    private static HttpServer jwks;
    private static RSAKey key;
    private static RSAKey stranger;
    private static IssuerKeys keys;
    private static JwtVerifier verifier;

    @BeforeAll
    static void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        stranger = new RSAKeyGenerator(2048).keyID("k1").generate();
        byte[] document = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwks.createContext("/jwks", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, document.length);
            exchange.getResponseBody().write(document);
            exchange.close();
        });
        jwks.start();
        ProxyConfig.Auth auth = new ProxyConfig.Auth(
                ProxyConfig.Auth.Mode.REQUIRED,
                URI.create(RESOURCE),
                URI.create(ISSUER),
                URI.create("http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks"),
                List.of("RS256", "ES256"),
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Duration.ofMillis(1),
                Duration.ofSeconds(5),
                List.of(),
                Map.of(),
                Map.of(),
                null,
                new ProxyConfig.Auth.Claims("realm_access.roles", "groups", "org.tenant"),
                null,
                Duration.ofSeconds(30),
                Duration.ofMinutes(30),
                100,
                10);
        keys = new IssuerKeys(auth);
        verifier = new JwtVerifier(auth, keys);
    }

    @AfterAll
    static void stop() {
        keys.close();
        jwks.stop(0);
    }

    private static JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(RESOURCE)
                .subject("alice")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)));
    }

    private static JWSHeader.Builder header() {
        return new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").type(new JOSEObjectType("at+jwt"));
    }

    private static String sign(JWSHeader header, JWTClaimsSet claims, RSAKey with) throws Exception {
        SignedJWT jwt = new SignedJWT(header, claims);
        jwt.sign(new RSASSASigner(with));
        return jwt.serialize();
    }

    private static String token(UnaryOperator<JWTClaimsSet.Builder> edit) throws Exception {
        return sign(header().build(), edit.apply(claims()).build(), key);
    }

    private static Identity verify(String token) {
        return verifier.verify(token).join();
    }

    /** The description of the refusal, after checking it is a 401 invalid_token. */
    private static String refusal(String token) {
        try {
            verifier.verify(token).join();
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(AuthenticationFailure.class);
            AuthenticationFailure failure = (AuthenticationFailure) e.getCause();
            assertThat(failure.kind()).isEqualTo(AuthenticationFailure.Kind.INVALID_TOKEN);
            return failure.getMessage();
        }
        throw new AssertionError("the token was accepted");
    }

    @Test
    void a_valid_token_becomes_its_subject_with_roles_groups_tenant_and_scopes() throws Exception {
        Identity identity = verify(token(c -> c.claim("realm_access", Map.of("roles", List.of("admin", 7, "dev")))
                .claim("groups", List.of("eng"))
                .claim("org", Map.of("tenant", "acme"))
                .claim("amr", List.of("pwd", "otp"))
                .claim("acr", "urn:mfa")
                .claim("auth_time", 1_700_000_000L)
                .claim("client_id", "cli")
                .claim("azp", "other")
                .claim("scope", "  repo:read   repo:write ")
                .claim("scp", List.of("pr:read", 3))));

        assertThat(identity.subject().id()).isEqualTo("alice");
        assertThat(identity.subject().authenticated()).isTrue();
        assertThat(identity.subject().authMethod()).isEqualTo("jwt");
        // Only strings count as roles: a number in the list is dropped, not turned into "7".
        assertThat(identity.subject().roles()).containsExactly("admin", "dev");
        assertThat(identity.subject().groups()).containsExactly("eng");
        assertThat(identity.subject().tenant()).isEqualTo("acme");
        assertThat(identity.subject().amr()).containsExactly("pwd", "otp");
        assertThat(identity.subject().acr()).isEqualTo("urn:mfa");
        assertThat(identity.subject().authTime()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(identity.subject().clientId()).isEqualTo("cli");
        assertThat(identity.scopes()).containsExactlyInAnyOrder("repo:read", "repo:write", "pr:read");
    }

    @Test
    void without_client_id_the_authorised_party_names_the_client_and_absent_claims_are_empty() throws Exception {
        Identity identity = verify(token(c -> c.claim("azp", "web").claim("realm_access", "not an object")));

        assertThat(identity.subject().clientId()).isEqualTo("web");
        assertThat(identity.subject().roles()).isEmpty();
        assertThat(identity.subject().groups()).isEmpty();
        assertThat(identity.subject().tenant()).isNull();
        assertThat(identity.subject().acr()).isNull();
        assertThat(identity.subject().authTime()).isNull();
        assertThat(identity.scopes()).isEmpty();
    }

    @Test
    void a_scope_of_only_spaces_grants_no_scope() throws Exception {
        Identity identity = verify(token(c -> c.claim("scope", "   ").claim("scp", "")));

        assertThat(identity.scopes()).isEmpty();
    }

    @Test
    void a_claim_whose_name_holds_a_dot_is_read_as_named_before_it_is_read_as_a_path() throws Exception {
        Identity identity = verify(token(c -> c.claim("realm_access.roles", List.of("flat"))
                .claim("realm_access", Map.of("roles", List.of("nested")))
                .claim("client_id", 42)
                .claim("auth_time", "yesterday")));

        assertThat(identity.subject().roles()).containsExactly("flat");
        assertThat(identity.subject().clientId()).isNull();
        assertThat(identity.subject().authTime()).isNull();
    }

    @Test
    void a_token_of_type_jwt_is_accepted_too() throws Exception {
        String token = sign(header().type(JOSEObjectType.JWT).build(), claims().build(), key);

        assertThat(verify(token).subject().id()).isEqualTo("alice");
    }

    @Test
    void what_is_not_a_signed_jwt_of_an_accepted_algorithm_is_refused_before_any_key_is_looked_at() throws Exception {
        assertThat(refusal("not.a.jwt")).isEqualTo("the token is not a well-formed JWT");
        assertThat(refusal(new PlainJWT(claims().build()).serialize())).isEqualTo("the token is not signed");
        // Algorithm confusion: HMAC with a key an attacker can know.
        SignedJWT hmac = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims().build());
        hmac.sign(new MACSigner(new byte[32]));
        assertThat(refusal(hmac.serialize())).isEqualTo("the token's signature algorithm is not accepted");
    }

    @Test
    void a_token_that_names_its_own_key_is_refused_whichever_way_it_names_it() throws Exception {
        JWTClaimsSet claims = claims().build();

        assertThat(refusal(sign(header().jwk(key.toPublicJWK()).build(), claims, key)))
                .isEqualTo("the token names its own verification key");
        assertThat(refusal(sign(
                        header().jwkURL(URI.create("https://evil.example/jwks")).build(), claims, key)))
                .isEqualTo("the token names its own verification key");
        assertThat(refusal(sign(
                        header().x509CertURL(URI.create("https://evil.example/cert"))
                                .build(),
                        claims,
                        key)))
                .isEqualTo("the token names its own verification key");
    }

    @Test
    void a_signature_by_another_key_or_under_an_unknown_kid_is_refused() throws Exception {
        assertThat(refusal(sign(header().build(), claims().build(), stranger)))
                .isEqualTo("the token's signature is invalid");
        assertThat(refusal(sign(header().keyID("k9").build(), claims().build(), key)))
                .isEqualTo("no signing key of the issuer matches the token");
    }

    @Test
    void a_signed_token_whose_payload_is_no_claims_set_is_refused_without_quoting_it() throws Exception {
        com.nimbusds.jose.JWSObject notClaims =
                new com.nimbusds.jose.JWSObject(header().build(), new com.nimbusds.jose.Payload("alice wants in"));
        notClaims.sign(new RSASSASigner(key));

        assertThat(refusal(notClaims.serialize())).isEqualTo("the token is invalid");
    }

    @Test
    void a_token_of_another_type_is_refused() throws Exception {
        assertThat(refusal(sign(header().type(new JOSEObjectType("id+jwt")).build(), claims().build(), key)))
                .isEqualTo("the token's type is not accepted");
    }

    @Test
    void a_token_for_another_resource_or_for_several_is_refused() throws Exception {
        assertThat(refusal(token(c -> c.audience("https://other.example/mcp"))))
                .isEqualTo("the token's audience is not this resource");
        assertThat(refusal(token(c -> c.audience(List.of(RESOURCE, "https://other.example/mcp")))))
                .isEqualTo("the token's audience is not this resource");
    }

    @Test
    void a_token_from_another_issuer_or_outside_its_lifetime_is_refused() throws Exception {
        Instant now = Instant.now();

        assertThat(refusal(token(c -> c.issuer("https://evil.example"))))
                .isEqualTo("the token's issuer is not accepted");
        assertThat(refusal(token(c -> c.expirationTime(Date.from(now.minusSeconds(120))))))
                .isEqualTo("the token has expired");
        assertThat(refusal(token(c -> c.notBeforeTime(Date.from(now.plusSeconds(120))))))
                .isEqualTo("the token is not valid yet");
        // auth.clock-skew is 30 s here, not the library's default of 60 s.
        assertThat(refusal(token(c -> c.expirationTime(Date.from(now.minusSeconds(45))))))
                .isEqualTo("the token has expired");
        assertThat(refusal(token(c -> c.notBeforeTime(Date.from(now.plusSeconds(45))))))
                .isEqualTo("the token is not valid yet");
    }

    @Test
    void the_clock_skew_is_granted_on_both_ends() throws Exception {
        Instant now = Instant.now();

        assertThat(verify(token(c -> c.expirationTime(Date.from(now.minusSeconds(10)))))
                        .subject()
                        .id())
                .isEqualTo("alice");
        assertThat(verify(token(c -> c.notBeforeTime(Date.from(now.plusSeconds(10)))))
                        .subject()
                        .id())
                .isEqualTo("alice");
    }

    @Test
    void a_token_without_a_required_claim_is_refused() throws Exception {
        assertThat(refusal(token(c -> c.subject(null))))
                .isEqualTo("the token lacks a required claim (sub, exp, iss, aud)");
        assertThat(refusal(token(c -> c.expirationTime(null))))
                .isEqualTo("the token lacks a required claim (sub, exp, iss, aud)");
    }
}
