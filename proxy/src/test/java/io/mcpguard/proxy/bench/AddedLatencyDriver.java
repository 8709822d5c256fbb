package io.mcpguard.proxy.bench;

import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.OtelCollectorProcess;
import io.mcpguard.proxy.testing.OtlpJsonSink;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.RecordingUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;

/**
 * Load driver: the latency the proxy adds on the allow path. In one run, against one upstream (the MCP Java SDK
 * server) and one real OPA, it sends the same allowed {@code tools/call} straight to the upstream and through the
 * proxy, alternating call by call so both paths see the same machine state, and prints p50/p90/p99/max of each and
 * of the difference. All traffic stays on loopback; the run is bounded by {@code -Dcalls}.
 *
 * <p>Run: {@code scripts/bench-latency.sh} (or {@code -Dcalls=20000 -Dclients=4}). With {@code -Daudit=true} the
 * proxy runs with its audit trail on, as deployed: a span per message, spooled to disk, exported over OTLP to a
 * real OpenTelemetry Collector (which hands them to an in-process receiver).
 */
public final class AddedLatencyDriver {
    private static final String CALL = """
            {"jsonrpc":"2.0","id":%d,"method":"tools/call",\
            "params":{"name":"get_repository","arguments":{"workspace":"acme","repo":"api"}}}""";

    private AddedLatencyDriver() {}

    public static void main(String[] args) {
        try {
            run();
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1); // the SDK server leaves non-daemon threads behind: end the JVM either way
        }
    }

    private static void run() throws Exception {
        int calls = Integer.getInteger("calls", 10_000);
        int warmup = Integer.getInteger("warmup", 3_000);
        int clients = Integer.getInteger("clients", 1);
        // The repository's policies with the read quota lifted: this measures the path, not the throttle
        // (600 reads a minute would refuse the run within seconds).
        Path policies = Files.createTempDirectory("bench-policies");
        OpaProcess.copyRepoPolicies(policies);
        OpaProcess.setReadQuota(policies, "viewer", 1_000_000_000L, null);
        boolean audited = Boolean.getBoolean("audit");
        OtlpJsonSink sink = audited ? new OtlpJsonSink() : null;
        OtelCollectorProcess collector = audited ? new OtelCollectorProcess(sink) : null;
        Map<String, String> settings = Map.of();
        if (audited) {
            collector.start();
            settings = Map.of(
                    "audit.enabled", "true",
                    "audit.otlp-endpoint", collector.httpEndpoint(),
                    "audit.spool-dir", Files.createTempDirectory("bench-spool").toString());
        }
        try (OpaProcess opa = started(new OpaProcess(policies));
                RecordingUpstream upstream = new RecordingUpstream(false);
                ProxyHarness proxy = new ProxyHarness(upstream.url(), opa.url(), settings)) {
            HttpClient http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<Histogram[]>> runs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                runs.add(pool.submit(
                        () -> measure(http, upstream.url(), proxy.mcpUrl(), opa.url(), client, warmup, calls)));
            }
            Histogram direct = new Histogram(3_600_000_000L, 3);
            Histogram proxied = new Histogram(3_600_000_000L, 3);
            Histogram decisions = new Histogram(3_600_000_000L, 3);
            for (Future<Histogram[]> run : runs) {
                Histogram[] paths = run.get();
                direct.add(paths[0]);
                proxied.add(paths[1]);
                decisions.add(paths[2]);
            }
            pool.shutdown();
            System.out.printf(
                    "%nadded latency, allow path, loopback: %d calls per path, %d client(s), %d warm-up calls,"
                            + " audit trail %s%n",
                    direct.getTotalCount(),
                    clients,
                    warmup * clients,
                    audited ? "on (disk spool, OTLP to a collector)" : "off");
            System.out.printf(
                    "%-10s %9s %9s %9s %9s %9s%n", "path", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "max µs");
            print("direct", direct);
            print("proxy", proxied);
            print("opa alone", decisions);
            System.out.printf(
                    "%-10s %9d %9d %9d%n",
                    "added",
                    proxied.getValueAtPercentile(50) - direct.getValueAtPercentile(50),
                    proxied.getValueAtPercentile(90) - direct.getValueAtPercentile(90),
                    proxied.getValueAtPercentile(99) - direct.getValueAtPercentile(99));
            if (audited) {
                // Proof the trail was on: the collector delivered a SERVER and a CLIENT span per proxied call.
                long expected = 2L * (warmup + calls) * clients;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (sink.spans().size() < expected && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                System.out.printf(
                        "audit spans delivered by the collector: %d (expected at least %d)%n",
                        sink.spans().size(), expected);
            }
        } finally {
            if (collector != null) collector.close();
            if (sink != null) sink.close();
        }
    }

    private static OpaProcess started(OpaProcess opa) {
        opa.start();
        return opa;
    }

    private static Histogram[] measure(
            HttpClient http, String directUrl, String proxyUrl, String opaUrl, int client, int warmup, int calls)
            throws Exception {
        String directSession = initialize(http, directUrl);
        String proxySession = initialize(http, proxyUrl);
        Histogram direct = new Histogram(3_600_000_000L, 3);
        Histogram proxied = new Histogram(3_600_000_000L, 3);
        Histogram decisions = new Histogram(3_600_000_000L, 3);
        long id = (long) client * 10_000_000L;
        for (int i = 0; i < warmup + calls; i++) {
            boolean record = i >= warmup;
            long d = call(http, directUrl, directSession, ++id);
            long p = call(http, proxyUrl, proxySession, ++id);
            long o = decide(http, opaUrl, proxySession, ++id);
            if (record) {
                direct.recordValue(d);
                proxied.recordValue(p);
                decisions.recordValue(o);
            }
        }
        return new Histogram[] {direct, proxied, decisions};
    }

    private static long call(HttpClient http, String url, String session, long id) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-11-25")
                .POST(HttpRequest.BodyPublishers.ofString(CALL.formatted(id)))
                .build();
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        long micros = (System.nanoTime() - start) / 1_000;
        if (response.statusCode() != 200 || !response.body().contains("repository acme/api")) {
            throw new IllegalStateException(
                    "unexpected answer from " + url + ": " + response.statusCode() + " " + response.body());
        }
        return micros;
    }

    /** The same question the proxy asks, asked of OPA directly: the part of the added latency that is OPA's. */
    private static long decide(HttpClient http, String opaUrl, String session, long id) throws Exception {
        // What the proxy asks for the harness's test subject (testing.TestSubjects.ACME_VIEWER).
        String input = """
                {"input":{"version":"2","subject":{"id":"test-client","authenticated":true,"auth_method":"api_key",\
                "roles":["viewer@acme/*"],"groups":[],"tenant":null,"amr":[],"acr":null,"auth_time":null,\
                "client_id":null},"request":{"direction":"client_to_server","kind":"request","method":"tools/call",\
                "id":%d,"tool":"get_repository","arguments":{"workspace":"acme","repo":"api"},\
                "argument_classes":[],"argument_classifiers":[],"session_id":"%s","protocol_version":"2025-11-25"},\
                "tool":null,"transport":{"client_address":"127.0.0.1","tls":false,"http_method":"POST","path":"/mcp",\
                "batch_size":1,"protocol_era":"legacy"}}}""".formatted(id, session);
        HttpRequest request = HttpRequest.newBuilder(URI.create(opaUrl + "/v1/data/mcp/authz/decision?provenance=true"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(input))
                .build();
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        long micros = (System.nanoTime() - start) / 1_000;
        if (response.statusCode() != 200 || !response.body().contains("\"allow\":true")) {
            throw new IllegalStateException("unexpected decision: " + response.body());
        }
        return micros;
    }

    private static String initialize(HttpClient http, String url) throws Exception {
        HttpResponse<String> init = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json, text/event-stream")
                        .POST(HttpRequest.BodyPublishers.ofString("""
                                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":\
                                "2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"""))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json, text/event-stream")
                        .header("Mcp-Session-Id", session)
                        .header("MCP-Protocol-Version", "2025-11-25")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        return session;
    }

    private static void print(String path, Histogram h) {
        System.out.printf(
                "%-10s %9d %9d %9d %9d %9d%n",
                path,
                h.getValueAtPercentile(50),
                h.getValueAtPercentile(90),
                h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9),
                h.getMaxValue());
    }
}
