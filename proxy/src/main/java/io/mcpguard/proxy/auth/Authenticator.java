package io.mcpguard.proxy.auth;

import io.mcpguard.proxy.config.ProxyConfig;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a bearer credential into an {@link Identity}: an API key ({@code mcpg_…}) against the key store, anything
 * else as a JWT against the issuer. Shared by every connection; holds the key caches and the session bindings.
 */
public final class Authenticator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

    private final ProxyConfig.Auth config;
    private final IssuerKeys issuerKeys;
    private final JwtVerifier jwt;
    private final ApiKeyStore apiKeys;
    private final SessionBindings sessions;
    private final ScopeRequirements scopes;
    private final Challenges challenges;

    public Authenticator(ProxyConfig.Auth config) {
        this.config = config;
        this.scopes = new ScopeRequirements(config);
        this.challenges = new Challenges(config, scopes);
        this.sessions = new SessionBindings(config.sessionTtl(), config.maxSessions(), config.sessionsPerSubject());
        boolean required = config.mode() == ProxyConfig.Auth.Mode.REQUIRED;
        if (required && config.issuer() != null) {
            this.issuerKeys = new IssuerKeys(config);
            this.jwt = new JwtVerifier(config, issuerKeys);
            issuerKeys.prefetch();
        } else {
            this.issuerKeys = null;
            this.jwt = null;
        }
        this.apiKeys = required && config.apiKeysFile() != null
                ? new ApiKeyStore(config.apiKeysFile(), config.apiKeysReloadInterval(), Clock.systemUTC())
                : null;
        if (required && issuerKeys == null && apiKeys == null) {
            log.atWarn()
                    .log("auth.mode is required but neither auth.issuer nor auth.api-keys.file is set: "
                            + "every request to the MCP endpoint will be refused");
        }
        if (!required) {
            log.atWarn().log("auth.mode is none: the MCP endpoint is open to anyone who can reach it");
        }
    }

    public boolean required() {
        return config.mode() == ProxyConfig.Auth.Mode.REQUIRED;
    }

    public ScopeRequirements scopes() {
        return scopes;
    }

    public Challenges challenges() {
        return challenges;
    }

    SessionBindings sessions() {
        return sessions;
    }

    /** When an API key was last accepted, for operators and tests. */
    public java.util.Optional<java.time.Instant> apiKeyLastUsed(String id) {
        return apiKeys == null ? java.util.Optional.empty() : apiKeys.lastUsed(id);
    }

    /** Verifies a bearer credential; may complete later (keys being fetched), never blocks the caller. */
    CompletableFuture<Identity> authenticate(String credential) {
        if (credential.startsWith(ApiKeyStore.PREFIX)) {
            if (apiKeys == null) {
                return CompletableFuture.failedFuture(new AuthenticationFailure(
                        AuthenticationFailure.Kind.INVALID_TOKEN, "API keys are not accepted here"));
            }
            try {
                return CompletableFuture.completedFuture(apiKeys.verify(credential));
            } catch (AuthenticationFailure e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        if (jwt == null) {
            return CompletableFuture.failedFuture(new AuthenticationFailure(
                    AuthenticationFailure.Kind.INVALID_TOKEN, "no token issuer is configured; use an API key"));
        }
        return jwt.verify(credential);
    }

    @Override
    public void close() {
        if (issuerKeys != null) {
            issuerKeys.close();
        }
        if (apiKeys != null) {
            apiKeys.close();
        }
    }
}
