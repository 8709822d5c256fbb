package io.mcpguard.proxy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Soak traffic for {@code scripts/soak.sh} (a driver, not a test): a fixed rate of mixed calls against a running
 * proxy for a fixed time — allowed, listed, denied, masked, streamed (a GET stream held for a second) and hostile
 * (malformed JSON, an oversize body, a bad token) — each checked for the answer it should get. Prints one line per
 * interval (sent, as expected, unexpected, skipped at the in-flight cap) and at the end the calls sent and the
 * unexpected answers by kind, so a restart of OPA or the collector on the way shows up as what it did to the traffic,
 * and the number of audit spans the proxy should have sent for what it answered.
 *
 * <p>Properties: {@code -Durl} (the proxy's MCP endpoint), {@code -DapiKey}, {@code -Dseconds} (600),
 * {@code -Drate} (calls per second, 20), {@code -Dinterval} (report every N seconds, 15), {@code -DmaxInFlight} (64).
 */
public final class SoakDriver {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PLANTED_AWS_KEY = "AKIAIMJFOP3TFK2KBRYS";
    /** The order calls are sent in; repeated kinds set the mix (mostly ordinary work, some hostile). */
    private static final List<String> MIX = List.of(
            "allowed",
            "listed",
            "masked",
            "allowed",
            "denied",
            "malformed",
            "allowed",
            "streamed",
            "listed",
            "oversize",
            "allowed",
            "bad-token",
            "masked",
            "denied");

    private static final Set<String> FORWARDED = Set.of("allowed", "listed", "masked");

    private final URI url;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final byte[] oversize;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, LongAdder> sentByKind = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> unexpected = new ConcurrentHashMap<>();
    private final LongAdder sent = new LongAdder();
    private final LongAdder expected = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    /** initialize and notifications/initialized: forwarded, a server and a client span each. */
    private final LongAdder spansExpected = new LongAdder();
    /** Bad tokens answered 401: each is counted, but a span only within the share of audit.unauthenticated.*. */
    private final LongAdder refusedBeforeAuthentication = new LongAdder();

    private final Semaphore inFlight;
    private volatile String session;

    private SoakDriver(URI url, String apiKey, int maxInFlight) {
        this.url = url;
        this.apiKey = apiKey;
        this.inFlight = new Semaphore(maxInFlight);
        String filler = "x".repeat(5 * 1024 * 1024);
        this.oversize =
                ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_repository\","
                                + "\"arguments\":{\"workspace\":\"acme\",\"repo\":\"" + filler + "\"}}}")
                        .getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        SoakDriver driver = new SoakDriver(
                URI.create(System.getProperty("url", "http://127.0.0.1:8443/mcp")),
                System.getProperty("apiKey"),
                Integer.getInteger("maxInFlight", 64));
        driver.run(
                Integer.getInteger("seconds", 600), Integer.getInteger("rate", 20), Integer.getInteger("interval", 15));
    }

    private void run(int seconds, int rate, int interval) throws Exception {
        session = initialize();
        spansExpected.add(4);
        ScheduledExecutorService clock = Executors.newScheduledThreadPool(2);
        long start = System.nanoTime();
        AtomicLong tick = new AtomicLong();
        clock.scheduleAtFixedRate(
                () -> send(MIX.get((int) (tick.getAndIncrement() % MIX.size()))),
                0,
                1_000_000L / rate,
                TimeUnit.MICROSECONDS);
        System.out.println("soak: t(s)  sent  expected  unexpected  skipped(in-flight cap)");
        for (int t = interval; t <= seconds; t += interval) {
            Thread.sleep(Math.max(0, start + TimeUnit.SECONDS.toNanos(t) - System.nanoTime()) / 1_000_000);
            System.out.printf(
                    "soak: %4d %6d %9d %11d %8d%n", t, sent.sum(), expected.sum(), unexpectedTotal(), skipped.sum());
        }
        clock.shutdownNow();
        inFlight.tryAcquire(Integer.getInteger("maxInFlight", 64), 30, TimeUnit.SECONDS);
        System.out.printf(
                "soak: done: sent %d, as expected %d, unexpected %d, skipped %d%n",
                sent.sum(), expected.sum(), unexpectedTotal(), skipped.sum());
        System.out.printf("soak: audit spans expected %d%n", spansExpected.sum());
        // The driver sends from one address: the default share is 10 spans a minute (one more window for the
        // windows' alignment), so a flood of bad tokens cannot crowd the evidence of authenticated traffic out.
        long share = Math.min(refusedBeforeAuthentication.sum(), 10L * (seconds / 60 + 2));
        System.out.printf(
                "soak: plus up to %d spans of %d refusals before authentication (audit.unauthenticated.*)%n",
                share, refusedBeforeAuthentication.sum());
        System.out.println("soak: sent by kind:");
        new TreeMap<>(sentByKind).forEach((kind, n) -> System.out.printf("soak:   %-48s %d%n", kind, n.sum()));
        System.out.println("soak: unexpected answers by kind:");
        if (unexpected.isEmpty()) {
            System.out.println("soak:   none");
        }
        new TreeMap<>(unexpected).forEach((kind, n) -> System.out.printf("soak:   %-48s %d%n", kind, n.sum()));
        System.exit(0);
    }

    private long unexpectedTotal() {
        return unexpected.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private String initialize() throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(
                post(call(
                                "initialize",
                                "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                                        + "\"clientInfo\":{\"name\":\"mcpguard-soak\",\"version\":\"1\"}}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String id = answer.headers().firstValue("Mcp-Session-Id").orElse(null);
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("initialize answered HTTP " + answer.statusCode() + ": " + answer.body());
        }
        HttpRequest.Builder initialized =
                post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}".getBytes(StandardCharsets.UTF_8));
        if (id != null) {
            initialized.header("Mcp-Session-Id", id);
        }
        http.send(initialized.build(), HttpResponse.BodyHandlers.discarding());
        return id;
    }

    private void send(String kind) {
        if (!inFlight.tryAcquire()) {
            skipped.increment();
            return;
        }
        sent.increment();
        sentByKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
        HttpRequest request = request(kind);
        if (kind.equals("streamed")) {
            http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).whenComplete((answer, failure) -> {
                try {
                    record(kind, failure != null ? failure.getClass().getSimpleName() : stream(answer));
                } finally {
                    inFlight.release();
                }
            });
            return;
        }
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((answer, failure) -> {
            try {
                record(kind, failure != null ? failure.getClass().getSimpleName() : check(kind, answer));
            } finally {
                inFlight.release();
            }
        });
    }

    /** Holds a GET stream open for a second: the proxy keeps an upstream connection for it meanwhile. */
    private static String stream(HttpResponse<InputStream> answer) {
        try (InputStream body = answer.body()) {
            if (answer.statusCode() != 200
                    || !answer.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
                return "http " + answer.statusCode();
            }
            Thread.sleep(1000);
            return null;
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private void record(String kind, String problem) {
        // The audit trail has a server span for every message the proxy reads, and a client span for every one it
        // forwards: an allowed, listed or masked call answered as expected was forwarded; the rest were not (a GET
        // stream's span is its server span).
        if (kind.equals("bad-token") && problem == null) {
            // Refused before authentication: only a share gets a span (audit.unauthenticated.*), see run().
            refusedBeforeAuthentication.increment();
        } else {
            spansExpected.add(problem == null && FORWARDED.contains(kind) ? 2 : 1);
        }
        if (problem == null) {
            expected.increment();
        } else {
            unexpected
                    .computeIfAbsent(kind + ": " + problem, k -> new LongAdder())
                    .increment();
        }
    }

    private HttpRequest request(String kind) {
        return switch (kind) {
            case "allowed" ->
                withSession(post(tool("get_repository", "acme", null))).build();
            case "listed" -> withSession(post(call("tools/list", "{}"))).build();
            case "denied" ->
                withSession(post(tool("get_repository", "globex", null))).build();
            case "masked" ->
                withSession(post(tool("get_file_content", "acme", "config/application-prod.yml")))
                        .build();
            case "malformed" ->
                withSession(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\""
                                .getBytes(StandardCharsets.UTF_8)))
                        .build();
            case "oversize" -> withSession(post(oversize)).build();
            case "bad-token" ->
                withSession(HttpRequest.newBuilder(url)
                                .timeout(Duration.ofSeconds(30))
                                .header("Authorization", "Bearer mcpg_not-a-real-key-0000000000000000")
                                .header("Content-Type", "application/json")
                                .header("Accept", "application/json, text/event-stream")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(call("tools/list", "{}"))))
                        .build();
            case "streamed" ->
                withSession(HttpRequest.newBuilder(url)
                                .timeout(Duration.ofSeconds(30))
                                .header("Authorization", "Bearer " + apiKey)
                                .header("Accept", "text/event-stream")
                                .GET())
                        .build();
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** Null when the answer is the one {@code kind} should get, else what was wrong with it. */
    private static String check(String kind, HttpResponse<String> answer) {
        int status = answer.statusCode();
        JsonNode message = message(answer);
        JsonNode error = message == null ? null : message.get("error");
        String got = error != null ? "JSON-RPC " + error.path("code").asInt() : "http " + status;
        return switch (kind) {
            case "allowed", "listed" -> status == 200 && message != null && message.has("result") ? null : got;
            case "masked" -> {
                if (answer.body().contains(PLANTED_AWS_KEY)) {
                    yield "PLANTED SECRET REACHED THE CLIENT";
                }
                yield status == 200 && answer.body().contains("REDACTED:aws-access-key") ? null : got;
            }
            case "denied" -> error != null && error.path("code").asInt() == -32001 ? null : got;
            case "malformed" ->
                status == 400 && error != null && error.path("code").asInt() == -32700 ? null : got;
            case "oversize" -> status == 413 ? null : got;
            case "bad-token" -> status == 401 ? null : got;
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** The JSON-RPC message of an answer, whether sent as JSON or as the first data of an event stream. */
    private static JsonNode message(HttpResponse<String> answer) {
        String body = answer.body();
        try {
            if (answer.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
                for (String line : body.split("\r\n|\r|\n")) {
                    if (line.startsWith("data:")) {
                        return JSON.readTree(line.substring(5).strip());
                    }
                }
                return null;
            }
            return body.isBlank() ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private HttpRequest.Builder post(byte[] body) {
        return HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private HttpRequest.Builder withSession(HttpRequest.Builder request) {
        String id = session;
        if (id != null) {
            request.header("Mcp-Session-Id", id).header("MCP-Protocol-Version", "2025-06-18");
        }
        return request;
    }

    private byte[] call(String method, String params) {
        return ("{\"jsonrpc\":\"2.0\",\"id\":" + ids.incrementAndGet() + ",\"method\":\"" + method + "\",\"params\":"
                        + params + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private byte[] tool(String name, String workspace, String path) {
        String arguments = "{\"workspace\":\"" + workspace + "\",\"repo\":\"payments-api\""
                + (path == null ? "" : ",\"path\":\"" + path + "\"") + "}";
        return call("tools/call", "{\"name\":\"" + name + "\",\"arguments\":" + arguments + "}");
    }
}
