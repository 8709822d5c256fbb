package io.mcpguard.proxy.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWKSet;
import io.mcpguard.proxy.config.ProxyConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer's signing keys, fetched and cached without ever blocking an event loop.
 *
 * <p>Discovery: the JWKS URI comes from {@code auth.jwks-uri}, else from the issuer's OpenID Connect metadata
 * ({@code /.well-known/openid-configuration}), else from its RFC 8414 metadata ({@code
 * /.well-known/oauth-authorization-server}); the metadata's {@code issuer} must equal the configured one exactly
 * (RFC 8414 §3.3, mix-up defence).
 *
 * <p>Caching and rotation: keys older than {@code auth.jwks-cache-ttl} are refreshed in the background and used
 * meanwhile. A token whose {@code kid} is not cached triggers a refresh at once — that is how a key rotated at the
 * issuer is learnt — but at most once per {@code auth.jwks-min-refresh-interval}, so a stream of made-up kids
 * cannot make the proxy hammer the issuer. Concurrent callers share one fetch. A failed fetch keeps the keys
 * already cached: tokens keep verifying while the issuer is down.
 *
 * <p>Fetches run on the JDK HTTP client with its own small thread pool, follow no redirects (SSRF), and read at
 * most {@value #MAX_DOCUMENT_BYTES} bytes.
 */
final class IssuerKeys implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IssuerKeys.class);
    static final int MAX_DOCUMENT_BYTES = 512 * 1024;
    /** While no key was ever loaded, retry this often at most (not the longer min-refresh interval). */
    private static final long EMPTY_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final URI issuer;
    private final URI configuredJwksUri;
    private final long ttlNanos;
    private final long minRefreshNanos;
    private final Duration timeout;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ExecutorService fetchThreads;
    private final HttpClient http;
    private final LongSupplier nanoTime;

    private volatile JWKSet keys;
    private volatile long fetchedAt;
    private volatile URI discoveredJwksUri;
    private long lastAttempt;
    private boolean attempted;
    private CompletableFuture<JWKSet> inFlight;

    IssuerKeys(ProxyConfig.Auth auth) {
        this(auth, System::nanoTime);
    }

    IssuerKeys(ProxyConfig.Auth auth, LongSupplier nanoTime) {
        this.issuer = auth.issuer();
        this.configuredJwksUri = auth.jwksUri();
        this.ttlNanos = auth.jwksCacheTtl().toNanos();
        this.minRefreshNanos = auth.jwksMinRefreshInterval().toNanos();
        this.timeout = auth.fetchTimeout();
        this.nanoTime = nanoTime;
        this.fetchThreads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "mcpguard-issuer-fetch");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build(); // its own executor: the body is read blocking on fetchThreads, which must not starve it
    }

    /** Starts the first fetch, so the first request rarely waits for keys. */
    void prefetch() {
        refresh();
    }

    /** The keys now cached, or null when none were ever loaded. */
    JWKSet cached() {
        return keys;
    }

    /**
     * Keys to verify a token signed with {@code kid}: at once when it is cached (refreshing in the background
     * when stale), else after a refresh (or at once with the current keys when a refresh ran too recently). The
     * future completes on a fetch thread; it fails with {@link AuthenticationFailure} (UNAVAILABLE) only when no
     * key was ever loaded.
     */
    CompletableFuture<JWKSet> keysFor(String kid) {
        JWKSet current = keys;
        if (current != null && (kid == null || current.getKeyByKeyId(kid) != null)) {
            if (nanoTime.getAsLong() - fetchedAt > ttlNanos) {
                refresh();
            }
            return CompletableFuture.completedFuture(current);
        }
        return refresh().handle((fresh, failure) -> {
            JWKSet best = fresh != null ? fresh : keys;
            if (best == null) {
                throw new CompletionException(new AuthenticationFailure(
                        AuthenticationFailure.Kind.UNAVAILABLE,
                        "the issuer's signing keys cannot be loaded; try again later"));
            }
            return best;
        });
    }

    /** One fetch at a time, and none sooner than the minimum interval after the previous one. */
    private synchronized CompletableFuture<JWKSet> refresh() {
        if (inFlight != null) {
            return inFlight;
        }
        long now = nanoTime.getAsLong();
        long interval = keys == null ? Math.min(EMPTY_RETRY_NANOS, minRefreshNanos) : minRefreshNanos;
        if (attempted && now - lastAttempt < interval) {
            JWKSet current = keys;
            return current != null
                    ? CompletableFuture.completedFuture(current)
                    : CompletableFuture.failedFuture(new IOException("issuer keys fetched too recently"));
        }
        attempted = true;
        lastAttempt = now;
        CompletableFuture<JWKSet> fetch = jwksUri().thenCompose(this::fetchKeys);
        inFlight = fetch;
        fetch.whenComplete((loaded, failure) -> {
            synchronized (this) {
                inFlight = null;
            }
            if (failure == null) {
                JWKSet previous = keys;
                keys = loaded;
                fetchedAt = nanoTime.getAsLong();
                log.atInfo()
                        .addKeyValue("issuer", issuer)
                        .addKeyValue("keys", loaded.getKeys().size())
                        .addKeyValue("changed", previous == null || !previous.equals(loaded))
                        .log("issuer signing keys loaded");
            } else {
                Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                log.atWarn()
                        .addKeyValue("issuer", issuer)
                        .addKeyValue("reason", cause.getMessage())
                        .addKeyValue(
                                "cached_keys", keys == null ? 0 : keys.getKeys().size())
                        .log("cannot fetch the issuer's signing keys; keeping the cached ones");
            }
        });
        return fetch;
    }

    private CompletableFuture<URI> jwksUri() {
        if (configuredJwksUri != null) {
            return CompletableFuture.completedFuture(configuredJwksUri);
        }
        if (discoveredJwksUri != null) {
            return CompletableFuture.completedFuture(discoveredJwksUri);
        }
        URI oidc = URI.create(stripSlash(issuer.toString()) + "/.well-known/openid-configuration");
        return get(oidc)
                .thenCompose(doc -> doc != null ? CompletableFuture.completedFuture(doc) : get(rfc8414(issuer)))
                .thenApply(doc -> {
                    if (doc == null) {
                        throw new CompletionException(new IOException("issuer publishes no metadata"));
                    }
                    URI found = jwksUriFrom(doc);
                    discoveredJwksUri = found;
                    return found;
                });
    }

    /** RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path. */
    static URI rfc8414(URI issuer) {
        String path = issuer.getRawPath() == null ? "" : stripSlash(issuer.getRawPath());
        return URI.create(issuer.getScheme() + "://" + issuer.getRawAuthority()
                + "/.well-known/oauth-authorization-server" + path);
    }

    private URI jwksUriFrom(byte[] document) {
        JsonNode doc;
        try {
            doc = mapper.readTree(document);
        } catch (IOException e) {
            throw new CompletionException(new IOException("issuer metadata is not JSON"));
        }
        JsonNode iss = doc.get("issuer");
        if (iss == null || !stripSlash(iss.asText()).equals(stripSlash(issuer.toString()))) {
            throw new CompletionException(new IOException("issuer metadata names a different issuer"));
        }
        JsonNode jwks = doc.get("jwks_uri");
        if (jwks == null || !jwks.isTextual()) {
            throw new CompletionException(new IOException("issuer metadata has no jwks_uri"));
        }
        URI uri = URI.create(jwks.asText());
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean loopback = uri.getHost() != null
                && (uri.getHost().equals("localhost") || uri.getHost().startsWith("127."));
        if (!scheme.equals("https") && !(scheme.equals("http") && loopback)) {
            throw new CompletionException(new IOException("issuer's jwks_uri is not https"));
        }
        return uri;
    }

    private CompletableFuture<JWKSet> fetchKeys(URI uri) {
        return get(uri).thenApply(body -> {
            if (body == null) {
                throw new CompletionException(new IOException("JWKS endpoint answered no key set"));
            }
            try {
                // Public keys only: a private or symmetric key in a published set is ignored, never trusted.
                JWKSet parsed =
                        JWKSet.parse(new String(body, StandardCharsets.UTF_8)).toPublicJWKSet();
                if (parsed.getKeys().isEmpty()) {
                    throw new CompletionException(new IOException("JWKS has no public keys"));
                }
                return parsed;
            } catch (java.text.ParseException e) {
                throw new CompletionException(new IOException("JWKS is malformed"));
            }
        });
    }

    /** GET a JSON document; null for a 4xx (absent), a failure for anything else that is not 200. */
    private CompletableFuture<byte[]> get(URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET()
                .build();
        // Started from a fetch thread: whatever the client does before going asynchronous (name resolution
        // included) must not happen on the caller's thread, which may be an event loop.
        return CompletableFuture.supplyAsync(
                        () -> http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()), fetchThreads)
                .thenCompose(response -> response)
                .thenApplyAsync(
                        response -> {
                            try (InputStream in = response.body()) {
                                int status = response.statusCode();
                                if (status >= 400 && status < 500) {
                                    return null;
                                }
                                if (status != 200) {
                                    throw new CompletionException(
                                            new IOException(uri.getPath() + " answered HTTP " + status));
                                }
                                byte[] body = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
                                if (body.length > MAX_DOCUMENT_BYTES) {
                                    throw new CompletionException(new IOException(uri.getPath() + " is too large"));
                                }
                                return body;
                            } catch (IOException e) {
                                throw new CompletionException(new IOException("reading " + uri.getPath() + " failed"));
                            }
                        },
                        fetchThreads);
    }

    private static String stripSlash(String text) {
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    @Override
    public void close() {
        fetchThreads.shutdownNow();
    }
}
