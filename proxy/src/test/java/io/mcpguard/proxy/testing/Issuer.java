package io.mcpguard.proxy.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A real OpenID Connect issuer ({@code no.nav.security:mock-oauth2-server}: an HTTP server with discovery, JWKS
 * and token endpoints, signing real RS256 tokens) on a loopback port, in this JVM. Its signing key can be rotated
 * ({@link #rotateKey()}: the JWKS then publishes only the new key) and its clock moved, to issue tokens that are
 * expired or not yet valid.
 */
public final class Issuer implements AutoCloseable {
    public static final String ID = "default";

    private final AtomicReference<RSAKey> key = new AtomicReference<>(newKey("key-1"));
    private final AtomicInteger generation = new AtomicInteger(1);
    private final AtomicReference<Instant> clock = new AtomicReference<>();
    private final MockOAuth2Server server;

    public Issuer() {
        KeyProvider keys = new KeyProvider() {
            @Override
            public JWK signingKey(String issuerId) {
                return key.get();
            }
        };
        OAuth2TokenProvider tokens = new OAuth2TokenProvider(keys, () -> {
            Instant fixed = clock.get();
            return fixed == null ? Instant.now() : fixed;
        });
        this.server = new MockOAuth2Server(new OAuth2Config(false, null, null, false, tokens));
        server.start(InetAddress.getLoopbackAddress(), 0);
    }

    private static RSAKey newKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The issuer URL, as tokens carry it in {@code iss}. */
    public String url() {
        return server.issuerUrl(ID).toString().replaceAll("/$", "");
    }

    /** An issuer URL of the same server that is not {@link #url()}: same keys, other {@code iss}. */
    public String otherIssuerUrl() {
        return server.issuerUrl("other").toString().replaceAll("/$", "");
    }

    /** The public key tokens are signed with now. */
    public RSAKey publicKey() {
        return key.get().toPublicJWK();
    }

    public String token(String subject, String audience, Map<String, Object> claims) {
        return token(ID, subject, List.of(audience), claims, Duration.ofHours(1), null);
    }

    /**
     * A signed token.
     *
     * @param issuedAt when the issuer's clock says it is (null: now); iat/nbf are set from it
     */
    public String token(
            String issuerId,
            String subject,
            List<String> audience,
            Map<String, Object> claims,
            Duration lifetime,
            Instant issuedAt) {
        synchronized (clock) {
            clock.set(issuedAt);
            try {
                SignedJWT jwt = server.issueToken(
                        issuerId,
                        "mcp-client",
                        new DefaultOAuth2TokenCallback(
                                issuerId, subject, "JWT", audience, claims, lifetime.toSeconds()));
                return jwt.serialize();
            } finally {
                clock.set(null);
            }
        }
    }

    /** Signs with a new key from now on; the JWKS publishes only the new one (the old key is retired). */
    public void rotateKey() {
        key.set(newKey("key-" + generation.incrementAndGet()));
    }

    /** How many JWKS fetches reached the issuer since the last call (draining its request log). */
    public int jwksFetches() {
        int count = 0;
        while (true) {
            RecordedRequest request;
            try {
                request = server.takeRequest(10, TimeUnit.MILLISECONDS);
            } catch (RuntimeException noMore) { // the server's way of saying the log is empty
                return count;
            }
            if (request == null) {
                return count;
            }
            if (request.getPath() != null && request.getPath().contains("jwks")) {
                count++;
            }
        }
    }

    public void stop() {
        server.shutdown();
    }

    @Override
    public void close() {
        try {
            server.shutdown();
        } catch (RuntimeException ignored) {
            // already stopped
        } catch (AssertionError slow) {
            // MockWebServer gives its connection threads 5 s to end and reports the rest as an AssertionError; a
            // client's idle keep-alive connection can outlast that on a loaded machine. The test's verdict is in.
        }
    }
}
