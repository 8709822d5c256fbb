package io.mcpguard.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * A stateful stand-in for Bitbucket Cloud's REST API 2.0 on {@code http://127.0.0.1:<port>/2.0}, seeded from
 * {@code seed/seed.json}. It checks credentials and scopes as Bitbucket does, so a client configured for
 * {@code https://api.bitbucket.org/2.0} works against it by changing only the base URL.
 *
 * <p>Besides {@code /2.0}, it serves a small control surface for tests and demos under {@code /_sandbox}: {@code POST
 * /_sandbox/reset} restores the seed, {@code POST /_sandbox/faults} makes the next matching requests fail (for
 * example with 429 and {@code Retry-After}), {@code GET /_sandbox/requests} lists what was asked.
 */
public final class BitbucketSandbox implements AutoCloseable {
    /** The demo account's e-mail; with {@link #DEMO_API_TOKEN} it is an Atlassian API token used as HTTP Basic. */
    public static final String DEMO_EMAIL = "demo@example.com";

    public static final String DEMO_API_TOKEN = "sandbox-demo-api-token";
    /** A workspace access token for the same account, used as {@code Authorization: Bearer}. */
    public static final String DEMO_ACCESS_TOKEN = "sandbox-demo-access-token";
    /** An API token of the demo account that carries only read scopes: writes answer 403. */
    public static final String READ_ONLY_API_TOKEN = "sandbox-readonly-api-token";

    private static final Logger LOG = Logger.getLogger(BitbucketSandbox.class.getName());

    private final HttpServer server;
    private final ExecutorService executor;
    private final String root;
    private final Deque<String> requestLog = new ArrayDeque<>();
    private final List<Fault> faults = new ArrayList<>();
    /** The data and the routes over it, swapped together by {@link #reset}. */
    private record Backend(SandboxState state, CloudApi api) {}

    private volatile Backend backend;

    private BitbucketSandbox(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
        this.root = "http://127.0.0.1:" + server.getAddress().getPort();
        reset();
        server.createContext("/", this::dispatch);
    }

    /** Starts on 127.0.0.1; port 0 picks a free one. */
    public static BitbucketSandbox start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "bitbucket-sandbox");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        BitbucketSandbox sandbox = new BitbucketSandbox(server, executor);
        server.start();
        return sandbox;
    }

    /** The API base to configure as {@code BITBUCKET_URL}: {@code http://127.0.0.1:<port>/2.0}. */
    public String apiUrl() {
        return root + "/2.0";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Throws away every change and reloads the seed data. */
    public synchronized void reset() {
        SandboxState fresh = SeedLoader.load();
        this.backend = new Backend(fresh, new CloudApi(fresh, new Renderer(apiUrl(), root, fresh), apiUrl()));
        synchronized (faults) {
            faults.clear();
        }
        synchronized (requestLog) {
            requestLog.clear();
        }
    }

    /**
     * Makes the next {@code times} requests whose method matches ({@code null} = any) and whose path contains {@code
     * pathContains} fail with {@code status}; {@code retryAfterSeconds} &gt; 0 adds a {@code Retry-After} header.
     */
    public void injectFault(String method, String pathContains, int status, int retryAfterSeconds, int times) {
        synchronized (faults) {
            faults.add(new Fault(method, pathContains, status, retryAfterSeconds, times));
        }
    }

    /** {@code "METHOD /path?query -> status"} for each request served since the last reset, oldest first. */
    public List<String> requests() {
        synchronized (requestLog) {
            return List.copyOf(requestLog);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void dispatch(HttpExchange http) throws IOException {
        String rawPath = http.getRequestURI().getRawPath();
        Exchange ex = new Exchange(http, rawPath);
        Backend current = backend;
        try {
            if (rawPath.startsWith("/_sandbox/")) {
                control(ex, rawPath.substring("/_sandbox/".length()));
                return;
            }
            if (!rawPath.startsWith("/2.0/")) {
                throw ApiError.notFound("Resource not found");
            }
            Fault fault = takeFault(ex.method, rawPath);
            if (fault != null) {
                if (fault.retryAfterSeconds > 0) {
                    http.getResponseHeaders().set("Retry-After", Integer.toString(fault.retryAfterSeconds));
                }
                throw new ApiError(fault.status, fault.message());
            }
            ex.caller = authenticate(current.state(), http);
            List<String> segments = new ArrayList<>();
            for (String s : rawPath.substring("/2.0/".length()).split("/")) {
                if (!s.isEmpty()) segments.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
            }
            // one request at a time: every answer sees a consistent state, as Bitbucket's would
            synchronized (current.state()) {
                current.api().handle(ex, segments);
            }
        } catch (ApiError e) {
            if (e.status() == 401) {
                http.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"Bitbucket.org HTTP\"");
            }
            ex.json(e.status(), new Renderer(apiUrl(), root, current.state()).error(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warning("sandbox bug on " + ex.method + " " + rawPath + ": " + e);
            ex.json(500, new Renderer(apiUrl(), root, current.state()).error("Something went wrong"));
        } finally {
            String query = http.getRequestURI().getRawQuery();
            synchronized (requestLog) {
                requestLog.addLast(ex.method + " " + rawPath + (query == null ? "" : "?" + query) + " -> " + ex.status);
                if (requestLog.size() > 1000) requestLog.removeFirst();
            }
            http.close();
        }
    }

    private static Credential authenticate(SandboxState state, HttpExchange http) {
        String header = http.getRequestHeaders().getFirst("Authorization");
        if (header == null) {
            throw new ApiError(
                    401, "This API is only accessible with the following authentication types: basic, bearer");
        }
        Optional<Credential> found = Optional.empty();
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(
                        Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ApiError(401, "Invalid Basic authorization header");
            }
            int colon = decoded.indexOf(':');
            if (colon > 0) found = state.basic(decoded.substring(0, colon), decoded.substring(colon + 1));
        } else if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            found = state.bearer(header.substring(7).trim());
        }
        return found.orElseThrow(() -> new ApiError(401, "Invalid credentials"));
    }

    private void control(Exchange ex, String action) throws IOException {
        switch (ex.method + " " + action) {
            case "POST reset" -> {
                reset();
                ex.empty(204);
            }
            case "POST faults" -> {
                JsonNode body = ex.body();
                injectFault(
                        body.hasNonNull("method") ? body.get("method").asText() : null,
                        body.path("path").asText(""),
                        body.path("status").asInt(500),
                        body.path("retry_after").asInt(0),
                        body.path("times").asInt(1));
                ex.empty(204);
            }
            case "GET requests" -> {
                ObjectNode root = Renderer.JSON.createObjectNode();
                ArrayNode values = root.putArray("values");
                requests().forEach(values::add);
                ex.json(200, root);
            }
            default -> throw ApiError.notFound("Unknown sandbox control: " + action);
        }
    }

    private Fault takeFault(String method, String path) {
        synchronized (faults) {
            for (Fault f : faults) {
                if ((f.method == null || f.method.equalsIgnoreCase(method)) && path.contains(f.pathContains)) {
                    if (--f.remaining <= 0) faults.remove(f);
                    return f;
                }
            }
        }
        return null;
    }

    private static final class Fault {
        final String method;
        final String pathContains;
        final int status;
        final int retryAfterSeconds;
        int remaining;

        Fault(String method, String pathContains, int status, int retryAfterSeconds, int times) {
            this.method = method;
            this.pathContains = pathContains;
            this.status = status;
            this.retryAfterSeconds = retryAfterSeconds;
            this.remaining = times;
        }

        String message() {
            return switch (status) {
                case 429 -> "Rate limit for this resource has been exceeded";
                case 503 -> "Service Unavailable";
                default -> "Injected failure " + status;
            };
        }
    }
}
