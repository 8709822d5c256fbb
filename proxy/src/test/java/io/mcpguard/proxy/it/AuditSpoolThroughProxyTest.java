package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.LogCapture;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No audit span is lost while the collector is away, nor across a restart of the proxy: spans are spooled to disk
 * first ({@code audit.spool-dir}) and sent when a real OpenTelemetry Collector takes them again.
 *
 * <p>Not on {@link io.mcpguard.proxy.testing.ProxyStack}: the proxy's start and stop are the subject (spans spooled
 * by one proxy are sent by the next one on the same spool), so each test builds and closes its proxies itself.
 */
class AuditSpoolThroughProxyTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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

    private static ProxyHarness proxy(Path spool) throws Exception {
        return proxy(spool, OtelProperties.QUICK_EXPORT); // OTEL_* settings reach the SDK: export quickly
    }

    private static ProxyHarness proxy(Path spool, Map<String, String> otel) throws Exception {
        return OtelProperties.during(
                otel,
                () -> new ProxyHarness(
                        upstream.url(),
                        opa.url(),
                        Map.of(
                                "audit.enabled", "true",
                                "audit.otlp-endpoint", collector.httpEndpoint(),
                                "audit.spool-dir", spool.toString())));
    }

    private static HttpResponse<String> post(ProxyHarness proxy, String session, String traceparent, String json)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
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

    private static String openSession(ProxyHarness proxy) throws Exception {
        String session = post(
                        proxy,
                        null,
                        null,
                        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                                + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"spool\",\"version\":"
                                + "\"1\"}}}")
                .headers()
                .firstValue("Mcp-Session-Id")
                .orElseThrow();
        post(proxy, session, null, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return session;
    }

    /** Sends {@code count} pings in one trace; returns the trace id. */
    private static String pings(ProxyHarness proxy, String session, int count) throws Exception {
        String trace = UUID.randomUUID().toString().replace("-", "");
        for (int i = 1; i <= count; i++) {
            HttpResponse<String> answer = post(
                    proxy,
                    session,
                    "00-" + trace + "-" + String.format("%016x", i) + "-01",
                    "{\"jsonrpc\":\"2.0\",\"id\":" + i + ",\"method\":\"ping\"}");
            assertThat(answer.body()).as("ping %d", i).contains("\"result\"");
        }
        return trace;
    }

    private static Set<String> serverSpanIds(String trace, int count, Duration within) {
        return sink.await(s -> s.traceId().equals(trace) && s.kind() == ExportedSpan.SERVER, count, within).stream()
                .map(s -> (String) s.attribute("jsonrpc.request.id"))
                .collect(Collectors.toSet());
    }

    @Test
    void all_1000_spans_recorded_while_the_collector_is_down_arrive_when_it_returns(@TempDir Path spool)
            throws Exception {
        collector.start();
        try (ProxyHarness proxy = proxy(spool)) {
            String session = openSession(proxy);
            collector.stop();

            String trace;
            try (LogCapture logs = new LogCapture()) {
                trace = pings(proxy, session, 1000);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline
                        && logs.lines().stream()
                                .noneMatch(l -> l.text().contains("event.name=audit.collector_unreachable"))) {
                    Thread.sleep(100);
                }
                assertThat(sink.spans()).noneMatch(s -> s.traceId().equals(trace));
                assertThat(logs.lines())
                        .as("an outage is said once, not per retry")
                        .filteredOn(l -> l.text().contains("event.name=audit.collector_unreachable")
                                && l.text().contains("signal=spans"))
                        .singleElement()
                        .satisfies(l -> assertThat(l.level()).isEqualTo("WARN"));
            }
            collector.start();

            assertThat(serverSpanIds(trace, 1000, Duration.ofSeconds(90))).hasSize(1000);
        } finally {
            collector.stop();
        }
    }

    @Test
    void spans_spooled_before_a_restart_of_the_proxy_are_sent_by_the_next_one(@TempDir Path spool) throws Exception {
        String trace;
        try (ProxyHarness before = proxy(spool)) { // the collector is down the whole life of this proxy
            trace = pings(before, openSession(before), 50);
        }
        collector.start();
        try (ProxyHarness after = proxy(spool)) {
            assertThat(serverSpanIds(trace, 50, Duration.ofSeconds(60))).hasSize(50);
        } finally {
            collector.stop();
        }
    }

    @Test
    void metrics_collected_while_the_collector_is_down_arrive_when_it_returns(@TempDir Path spool) throws Exception {
        collector.start();
        // The OTLP exporter's own retries (about 8 s) would bridge this short outage on their own; without them,
        // only the spool can deliver what was collected while the collector was down.
        Map<String, String> otel = new java.util.HashMap<>(OtelProperties.QUICK_EXPORT);
        otel.put("otel.java.exporter.otlp.retry.disabled", "true");
        try (ProxyHarness proxy = proxy(spool, otel)) {
            String session = openSession(proxy);
            collector.stop();
            long outageStart = epochNanos();

            pings(proxy, session, 20);
            Thread.sleep(1500); // several metric exports, each into the spool
            long outageEnd = epochNanos();
            assertThat(sink.metricPoints("mcp.server.operation.duration"))
                    .noneMatch(p -> collectedBetween(p, outageStart, outageEnd));
            collector.start();

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline
                    && sink.metricPoints("mcp.server.operation.duration").stream()
                            .noneMatch(p -> collectedBetween(p, outageStart, outageEnd))) {
                Thread.sleep(200);
            }
            assertThat(sink.metricPoints("mcp.server.operation.duration"))
                    .as("metric points collected during the outage, delivered from the spool")
                    .anySatisfy(p -> assertThat(collectedBetween(p, outageStart, outageEnd))
                            .isTrue());
        } finally {
            collector.stop();
        }
    }

    private static boolean collectedBetween(Map<String, Object> point, long from, long to) {
        Object time = point.get("_time");
        return time instanceof Long nanos && nanos >= from && nanos <= to;
    }

    private static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
