package io.mcpguard.proxy.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.policy.Subject;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

/**
 * Verifies a bearer JWT as an OAuth 2.1 resource server must (MCP authorization, RFC 9068), and turns its claims
 * into an {@link Identity}.
 *
 * <p>In order, each step refusing with 401 {@code invalid_token}: it must be a JWS (an unsecured {@code alg:
 * none} token is not); its algorithm must be on {@code auth.algorithms} (asymmetric only, so a token HMAC-signed
 * with the issuer's public key — algorithm confusion — is refused before any key is looked at); it must not carry
 * its own key ({@code jwk}, {@code jku}, {@code x5u}); its signature must verify with one of the issuer's keys of
 * that algorithm; {@code iss} must equal {@code auth.issuer}; {@code aud} must be exactly this resource's URI
 * (RFC 8707: a token minted for another resource is not ours to accept); {@code exp} must be present and {@code
 * exp}/{@code nbf} hold within {@code auth.clock-skew}; {@code sub} must be present.
 */
final class JwtVerifier {
    private final ProxyConfig.Auth auth;
    private final IssuerKeys keys;
    private final Set<JWSAlgorithm> algorithms;
    private final String resource;

    JwtVerifier(ProxyConfig.Auth auth, IssuerKeys keys) {
        this.auth = auth;
        this.keys = keys;
        this.algorithms = auth.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        this.resource = auth.resource().toString();
    }

    /** Completes with the identity, or fails with {@link AuthenticationFailure}; never on an event loop thread. */
    CompletableFuture<Identity> verify(String token) {
        SignedJWT jwt;
        try {
            jwt = parse(token);
        } catch (AuthenticationFailure e) {
            return CompletableFuture.failedFuture(e);
        }
        return keys.keysFor(jwt.getHeader().getKeyID()).thenApply(set -> {
            try {
                return identity(process(jwt, set));
            } catch (AuthenticationFailure e) {
                throw new CompletionException(e);
            }
        });
    }

    private SignedJWT parse(String token) throws AuthenticationFailure {
        JWT parsed;
        try {
            parsed = JWTParser.parse(token);
        } catch (ParseException e) {
            throw invalid("the token is not a well-formed JWT");
        }
        if (!(parsed instanceof SignedJWT jwt)) {
            throw invalid("the token is not signed");
        }
        JWSHeader header = jwt.getHeader();
        if (!algorithms.contains(header.getAlgorithm())) {
            throw invalid("the token's signature algorithm is not accepted");
        }
        // A key named by the token itself proves nothing: only the issuer's published keys count.
        if (header.getJWK() != null || header.getJWKURL() != null || header.getX509CertURL() != null) {
            throw invalid("the token names its own verification key");
        }
        return jwt;
    }

    private JWTClaimsSet process(SignedJWT jwt, JWKSet set) throws AuthenticationFailure {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(
                new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, new ImmutableJWKSet<>(set)));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                resource,
                new JWTClaimsSet.Builder().issuer(auth.issuer().toString()).build(),
                Set.of("sub", "exp", "iss", "aud"));
        claims.setMaxClockSkew((int) auth.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
        JWTClaimsSet verified;
        try {
            verified = processor.process(jwt, null);
        } catch (BadJOSEException e) {
            throw invalid(describe(e));
        } catch (JOSEException e) {
            throw invalid("the token's signature cannot be verified");
        }
        // RFC 8707: the token is for this resource alone; one valid at several resources could be replayed here.
        List<String> audience = verified.getAudience();
        if (audience.size() != 1 || !audience.get(0).equals(resource)) {
            throw invalid("the token's audience is not this resource");
        }
        return verified;
    }

    /** Library messages can quote claim values; the caller gets one of these fixed texts instead. */
    private static String describe(BadJOSEException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("Expired")) {
            return "the token has expired";
        }
        if (message.contains("before use time")) {
            return "the token is not valid yet";
        }
        if (message.contains("aud claim")) {
            return "the token's audience is not this resource";
        }
        if (message.contains("missing required claims")) {
            return "the token lacks a required claim (sub, exp, iss, aud)";
        }
        if (message.contains("iss claim")) {
            return "the token's issuer is not accepted";
        }
        if (message.contains("no matching key")) {
            return "no signing key of the issuer matches the token";
        }
        if (message.contains("type")) {
            return "the token's type is not accepted";
        }
        if (message.contains("signature")) {
            return "the token's signature is invalid";
        }
        return "the token is invalid";
    }

    private Identity identity(JWTClaimsSet claims) {
        Map<String, Object> all = claims.getClaims();
        Date authTime = dateClaim(all.get("auth_time"));
        String clientId = string(all.get("client_id"));
        if (clientId == null) {
            clientId = string(all.get("azp"));
        }
        Subject subject = new Subject(
                claims.getSubject(),
                true,
                "jwt",
                strings(path(all, auth.claims().roles())),
                strings(path(all, auth.claims().groups())),
                string(path(all, auth.claims().tenant())),
                strings(all.get("amr")),
                string(all.get("acr")),
                authTime == null ? null : authTime.toInstant(),
                clientId);
        Set<String> scopes = new LinkedHashSet<>(strings(all.get("scope")));
        scopes.addAll(strings(all.get("scp")));
        return new Identity(subject, scopes);
    }

    /** A claim by dotted name: {@code realm_access.roles} reads {@code {"realm_access": {"roles": …}}}. */
    private static Object path(Map<String, Object> claims, String name) {
        Object value = claims.get(name);
        if (value != null || !name.contains(".")) {
            return value;
        }
        Object current = claims;
        for (String part : name.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(part);
        }
        return current;
    }

    /** A list of strings from a JSON array, or from a space-separated string (how {@code scope} is sent). */
    private static List<String> strings(Object value) {
        List<String> result = new ArrayList<>();
        if (value instanceof String text) {
            for (String item : text.trim().split("\\s+")) {
                if (!item.isEmpty()) {
                    result.add(item);
                }
            }
        } else if (value instanceof Collection<?> items) {
            for (Object item : items) {
                if (item instanceof String text) {
                    result.add(text);
                }
            }
        }
        return result;
    }

    private static String string(Object value) {
        return value instanceof String text ? text : null;
    }

    private static Date dateClaim(Object value) {
        if (value instanceof Date date) {
            return date;
        }
        if (value instanceof Number seconds) {
            return Date.from(Instant.ofEpochSecond(seconds.longValue()));
        }
        return null;
    }

    private static AuthenticationFailure invalid(String description) {
        return new AuthenticationFailure(AuthenticationFailure.Kind.INVALID_TOKEN, description);
    }
}
