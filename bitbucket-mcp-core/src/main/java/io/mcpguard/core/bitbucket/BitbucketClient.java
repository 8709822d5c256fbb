package io.mcpguard.core.bitbucket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small client for Bitbucket Cloud REST 2.0 on the JDK {@link HttpClient}. Paths are relative to the configured
 * base URL ({@code https://api.bitbucket.org/2.0} by default) and must already be encoded with {@link #segment}.
 *
 * <p>Failures come back as {@link BitbucketException}, never as raw bodies. A 429 or 503 with a {@code Retry-After}
 * no longer than {@code maxRetryWait} is retried after that wait (a throttled request was not processed, so this is
 * safe for writes too); a longer one is reported with its wait so the caller can come back later.
 */
public final class BitbucketClient {
    private static final Logger LOG = LoggerFactory.getLogger(BitbucketClient.class);
    private static final int MAX_REDIRECTS = 3;
    private static final int MAX_RATE_LIMIT_RETRIES = 2;

    private final HttpClient http;
    private final URI base;
    private final BitbucketAuth auth;
    private final Duration timeout;
    private final Duration maxRetryWait;
    private final ObjectMapper json = new ObjectMapper();

    public BitbucketClient(URI base, BitbucketAuth auth, Duration timeout, Duration maxRetryWait) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.auth = Objects.requireNonNull(auth, "auth");
        this.timeout = timeout;
        this.maxRetryWait = maxRetryWait;
        // Redirects are followed by hand (same origin only), so the credential never travels to another host.
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public URI base() {
        return base;
    }

    /** Percent-encodes one path segment (a slug, a branch name with slashes, a file path component). */
    public static String segment(String raw) {
        return URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Encodes a repository path, keeping its slashes as separators. */
    public static String path(String raw) {
        StringJoiner out = new StringJoiner("/");
        for (String part : raw.split("/", -1)) out.add(segment(part));
        return out.toString();
    }

    public JsonNode getJson(String path, Map<String, ?> query) throws BitbucketException {
        return parse(exchange("GET", path, query, null, "application/json"));
    }

    public String getText(String path, Map<String, ?> query) throws BitbucketException {
        return exchange("GET", path, query, null, "text/plain, */*").body();
    }

    /** POST/PUT/DELETE with a JSON body ({@code {}} when none is given: Cloud rejects body-less POSTs). */
    public JsonNode send(String method, String path, JsonNode body) throws BitbucketException {
        String payload = body == null ? "{}" : body.toString();
        return parse(exchange(method, path, Map.of(), "DELETE".equals(method) ? null : payload, "application/json"));
    }

    private JsonNode parse(HttpResponse<String> response) throws BitbucketException {
        String body = response.body();
        if (body == null || body.isBlank()) return json.createObjectNode();
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new BitbucketException(response.statusCode(), "Bitbucket sent a body that is not JSON", null);
        }
    }

    private HttpResponse<String> exchange(String method, String path, Map<String, ?> query, String body, String accept)
            throws BitbucketException {
        URI uri = URI.create(base + (path.startsWith("/") ? path : "/" + path) + queryString(query));
        int rateLimitRetries = 0;
        int redirects = 0;
        while (true) {
            HttpResponse<String> response = sendOnce(method, uri, body, accept);
            int status = response.statusCode();
            if (status >= 200 && status < 300) return response;
            if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
                    && "GET".equals(method)
                    && redirects++ < MAX_REDIRECTS) {
                uri = redirectTarget(uri, response);
                continue;
            }
            Long retryAfter = retryAfterSeconds(response);
            if ((status == 429 || status == 503)
                    && retryAfter != null
                    && retryAfter <= maxRetryWait.toSeconds()
                    && rateLimitRetries++ < MAX_RATE_LIMIT_RETRIES) {
                LOG.info(
                        "Bitbucket answered {} to {} {}; retrying after {} s",
                        status,
                        method,
                        uri.getPath(),
                        retryAfter);
                sleep(Duration.ofSeconds(retryAfter));
                continue;
            }
            throw new BitbucketException(status, errorMessage(response), retryAfter);
        }
    }

    private HttpResponse<String> sendOnce(String method, URI uri, String body, String accept)
            throws BitbucketException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", accept);
        String authorization = auth.headerValue();
        if (authorization != null) request.header("Authorization", authorization);
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new BitbucketException(
                    "Bitbucket at " + base + " did not answer within " + timeout.toSeconds() + " s", e);
        } catch (IOException e) {
            throw new BitbucketException(
                    "Bitbucket at " + base + " could not be reached ("
                            + e.getClass().getSimpleName() + ")",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BitbucketException("interrupted while calling Bitbucket", e);
        }
    }

    private URI redirectTarget(URI from, HttpResponse<String> response) throws BitbucketException {
        String location = response.headers().firstValue("Location").orElse(null);
        if (location == null) {
            throw new BitbucketException(response.statusCode(), "redirect without a Location header", null);
        }
        URI target = from.resolve(location);
        if (!Objects.equals(target.getScheme(), base.getScheme())
                || !Objects.equals(target.getHost(), base.getHost())
                || target.getPort() != base.getPort()) {
            throw new BitbucketException(
                    response.statusCode(), "refusing to follow a redirect to another host: " + target.getHost(), null);
        }
        return target;
    }

    private static Long retryAfterSeconds(HttpResponse<String> response) {
        return response.headers()
                .firstValue("Retry-After")
                .map(v -> {
                    try {
                        return Math.max(0, Long.parseLong(v.trim()));
                    } catch (NumberFormatException e) {
                        return null; // an HTTP-date: rare from Bitbucket; treated as "no hint"
                    }
                })
                .orElse(null);
    }

    private String errorMessage(HttpResponse<String> response) {
        String body = response.body();
        if (body == null || body.isBlank()) return null;
        try {
            JsonNode node = json.readTree(body);
            JsonNode error = node.path("error");
            if (error.isObject()) {
                String message = error.path("message").asText(null);
                String detail =
                        error.path("detail").isTextual() ? error.path("detail").asText() : null;
                if (message != null && detail != null && !detail.isBlank()) return message + " (" + detail + ")";
                return message;
            }
            if (node.path("message").isTextual()) return node.path("message").asText();
        } catch (IOException ignored) {
            // not JSON: fall through to a bounded excerpt of the text
        }
        String text = body.strip();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    private static String queryString(Map<String, ?> query) {
        if (query == null || query.isEmpty()) return "";
        StringJoiner out = new StringJoiner("&", "?", "");
        for (Map.Entry<String, ?> e : new LinkedHashMap<>(query).entrySet()) {
            Object value = e.getValue();
            if (value == null) continue;
            Iterable<?> values = value instanceof Iterable<?> it ? it : java.util.List.of(value);
            for (Object v : values) {
                out.add(segment(e.getKey()) + "=" + segment(String.valueOf(v)));
            }
        }
        return out.length() <= 1 ? "" : out.toString();
    }

    private static void sleep(Duration d) throws BitbucketException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BitbucketException("interrupted while waiting for Retry-After", e);
        }
    }
}
