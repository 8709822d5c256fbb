package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.auth.ApiKeyStore;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.OtelCollectorProcess;
import io.mcpguard.proxy.testing.OtelProperties;
import io.mcpguard.proxy.testing.OtlpJsonSink;
import io.mcpguard.proxy.testing.OtlpJsonSink.ExportedSpan;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.RecordingUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood of refused credentials while the collector is away must not push the evidence of authenticated traffic out
 * of the bounded spool: requests refused before authentication get a bounded share of spans (the rest are counted),
 * and the authenticated spans spooled before the flood all arrive when the collector returns.
 */
class UnauthenticatedFloodTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final int FLOOD = 3000;
    private static final int EVIDENCE = 50;
    private static final int PER_ADDRESS = 10;

    private static OpaProcess opa;
    private static RecordingUpstream upstream;
    private static OtlpJsonSink sink;
    private static OtelCollectorProcess collector;

    @BeforeAll
    static void start() {
        opa = OpaProcess.startWithRepoPolicies();
        upstream = new RecordingUpstream(false);
        sink = new OtlpJsonSink();
        collector = new OtelCollectorProcess(sink);
    }

    @AfterAll
    static void stop() {
        if (collector != null) collector.close();
        if (sink != null) sink.close();
        if (upstream != null) upstream.close();
        if (opa != null) opa.close();
    }

    @Test
    void a_flood_of_refused_credentials_leaves_its_share_of_spans_and_evicts_no_evidence(@TempDir Path dir)
            throws Exception {
        String[] key = ApiKeyStore.newKey("flood-test");
        Path keys = dir.resolve("api-keys.yaml");
        Files.writeString(keys, """
                keys:
                  - id: flood-test
                    owner: svc-flood
                    sha256: %s
                    roles: [viewer]
                    scopes: [mcp]
                    tenant: acme
                    created: 2026-01-01T00:00:00Z
                """.formatted(key[1]));
        Map<String, String> settings = new HashMap<>();
        settings.put("auth.mode", "required");
        settings.put("auth.resource", "https://mcp.example.test/mcp");
        settings.put("auth.api-keys.file", keys.toString());
        settings.put("audit.enabled", "true");
        settings.put("audit.otlp-endpoint", collector.httpEndpoint());
        settings.put("audit.spool-dir", dir.resolve("spool").toString());
        settings.put("audit.spool-max-bytes", "1MiB"); // the flood's spans alone would be twice that
        settings.put("audit.unauthenticated.spans-per-address-per-minute", String.valueOf(PER_ADDRESS));
        settings.put("audit.auth-failure-burst-threshold", "1000000"); // the burst event is another test's subject

        collector.start();
        try (ProxyHarness proxy = OtelProperties.during(
                OtelProperties.QUICK_EXPORT, () -> new ProxyHarness(upstream.url(), opa.url(), settings, "", null))) {
            HttpResponse<String> init = post(proxy, key[0], null, null, """
                    {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",\
                    "capabilities":{},"clientInfo":{"name":"flood","version":"1"}}}""");
            assertThat(init.statusCode()).isEqualTo(200);
            String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
            post(proxy, key[0], session, null, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            collector.stop();

            String evidence = traceId();
            for (int i = 1; i <= EVIDENCE; i++) {
                HttpResponse<String> pong = post(
                        proxy,
                        key[0],
                        session,
                        traceparent(evidence, i),
                        "{\"jsonrpc\":\"2.0\",\"id\":" + i + ",\"method\":\"ping\"}");
                assertThat(pong.body()).as("ping %d", i).contains("\"result\"");
            }
            String flood = traceId();
            for (int i = 1; i <= FLOOD; i++) {
                HttpResponse<String> refused = post(
                        proxy,
                        "mcpg_guessed_" + i,
                        null,
                        traceparent(flood, i),
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
                assertThat(refused.statusCode()).isEqualTo(401);
            }
            collector.start();

            assertThat(sink.await(
                            s -> s.traceId().equals(evidence) && s.kind() == ExportedSpan.SERVER,
                            EVIDENCE,
                            Duration.ofSeconds(90)))
                    .as("every authenticated span spooled before the flood")
                    .hasSize(EVIDENCE);
            // Metrics export every 300 ms, from the spool too: wait until the counts cover the flood (or time out).
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long recorded;
            long unrecorded;
            do {
                Thread.sleep(500);
                recorded = sink.spans().stream()
                        .filter(s -> s.traceId().equals(flood))
                        .count();
                unrecorded = counter("mcp.audit.unauthenticated.unrecorded");
            } while (recorded + unrecorded < FLOOD && System.nanoTime() < deadline);
            assertThat(recorded).as("the flood's spans: its share").isBetween(1L, (long) PER_ADDRESS);
            assertThat(recorded + unrecorded).as("every refusal counted").isEqualTo(FLOOD);
        } finally {
            collector.stop();
        }
    }

    /** The counter's latest cumulative value exported (0 before its first export). */
    private static long counter(String name) {
        return sink.metricPoints(name).stream()
                .mapToLong(p -> p.get("_value") instanceof Long v ? v : 0)
                .max()
                .orElse(0);
    }

    private static HttpResponse<String> post(
            ProxyHarness proxy, String apiKey, String session, String traceparent, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-06-18")
                .header("Authorization", "Bearer " + apiKey)
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String traceparent(String trace, int span) {
        return "00-" + trace + "-" + String.format("%016x", span) + "-01";
    }

    private static String traceId() {
        return UUID.randomUUID().toString().replace("-", "");
    }
}
