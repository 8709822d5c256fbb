package io.mcpguard.proxy.config;

import io.mcpguard.proxy.config.ProxyConfig.*;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The {@code auth.*} keys: how clients authenticate (issuer, audience, API keys, scopes, sessions). */
final class AuthSection {
    private AuthSection() {}

    private static final List<String> ASYMMETRIC_ALGORITHMS = List.of(
            // EdDSA is left out: verifying it needs Google Tink, which the proxy does not ship.
            "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");

    static Auth parse(ConfigSource src) {
        Duration zero = Duration.ZERO;
        String modeText = src.string("auth.mode", "required");
        Auth.Mode mode = switch (modeText) {
            case "required" -> Auth.Mode.REQUIRED;
            case "none" -> Auth.Mode.NONE;
            default -> {
                src.require(false, "config key 'auth.mode': expected required or none, got '" + modeText + "'");
                yield Auth.Mode.REQUIRED;
            }
        };
        URI resource = src.uri("auth.resource", "http://localhost:8443/mcp", false);
        String issuerText = src.string("auth.issuer", "");
        URI issuer = issuerText.isEmpty() ? null : src.uri("auth.issuer", issuerText, true);
        String jwksText = src.string("auth.jwks-uri", "");
        URI jwksUri = jwksText.isEmpty() ? null : src.uri("auth.jwks-uri", jwksText, true);
        List<String> algorithms = src.list("auth.algorithms", List.of("RS256", "PS256", "ES256"));
        for (String alg : algorithms) {
            // HMAC would need a secret shared with the issuer, and "none" is no signature: a resource server
            // verifying with the issuer's published keys accepts asymmetric signatures only.
            src.require(
                    ASYMMETRIC_ALGORITHMS.contains(alg),
                    "config key 'auth.algorithms': '" + alg + "' is not an accepted asymmetric JWS algorithm "
                            + ASYMMETRIC_ALGORITHMS);
        }
        src.require(!algorithms.isEmpty(), "config key 'auth.algorithms' must name at least one algorithm");
        Duration clockSkew = src.duration("auth.clock-skew", Duration.ofSeconds(30), zero, Duration.ofMinutes(5));
        Duration cacheTtl =
                src.duration("auth.jwks-cache-ttl", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofDays(1));
        Duration minRefresh =
                src.duration("auth.jwks-min-refresh-interval", Duration.ofSeconds(30), zero, Duration.ofHours(1));
        Duration fetchTimeout = src.duration(
                "auth.fetch-timeout", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(1));
        List<String> requiredScopes = src.list("auth.required-scopes", List.of());
        Map<String, List<String>> methodScopes = src.listMap("auth.method-scopes");
        Map<String, List<String>> toolScopes = src.listMap("auth.tool-scopes");
        String stepUpScope = src.string("auth.step-up-scope", "");
        Auth.Claims claims = new Auth.Claims(
                src.string("auth.claims.roles", "roles"),
                src.string("auth.claims.groups", "groups"),
                src.string("auth.claims.tenant", "tenant"));
        String keysText = src.string("auth.api-keys.file", "");
        Duration reload = src.duration(
                "auth.api-keys.reload-interval", Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofHours(1));
        Duration sessionTtl =
                src.duration("auth.sessions.ttl", Duration.ofHours(24), Duration.ofSeconds(1), Duration.ofDays(30));
        int maxSessions = src.integer("auth.sessions.max", 100_000, 1, 100_000_000);
        int sessionsPerSubject = src.integer("auth.sessions.per-subject", 64, 1, 100_000_000);
        for (String scope : requiredScopes) {
            src.require(
                    scope.matches("[\\x21\\x23-\\x5B\\x5D-\\x7E]+"),
                    "config key 'auth.required-scopes': '" + scope + "' is not a valid OAuth scope token");
        }
        return new Auth(
                mode,
                resource,
                issuer,
                jwksUri,
                algorithms,
                clockSkew,
                cacheTtl,
                minRefresh,
                fetchTimeout,
                requiredScopes,
                methodScopes,
                toolScopes,
                stepUpScope.isEmpty() ? null : stepUpScope,
                claims,
                keysText.isEmpty() ? null : Path.of(keysText),
                reload,
                sessionTtl,
                maxSessions,
                sessionsPerSubject);
    }
}
