package io.mcpguard.proxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The end of the collector's pipeline: an HTTP server taking what the Collector's {@code otlp_http} exporter sends
 * ({@code encoding: json}, uncompressed) and keeping every export request, so a test reads the spans exactly as the
 * collector received and re-encoded them.
 */
public final class OtlpJsonSink implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One exported span, attributes flattened to Java values (strings, longs, booleans, lists). */
    public record ExportedSpan(
            String traceId,
            String spanId,
            String parentSpanId,
            String name,
            int kind,
            Map<String, Object> attributes,
            List<String> linkedSpanIds,
            JsonNode raw) {
        public static final int SERVER = 2;
        public static final int CLIENT = 3;

        public Object attribute(String key) {
            return attributes.get(key);
        }
    }

    private final HttpServer server;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<String> metricBodies = new CopyOnWriteArrayList<>();

    public OtlpJsonSink() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (exchange.getRequestURI().getPath().endsWith("/v1/traces")) {
                    bodies.add(body);
                } else if (exchange.getRequestURI().getPath().endsWith("/v1/metrics")) {
                    metricBodies.add(body);
                }
            }
            byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every exported byte so far, as text: what a leak check searches. */
    public String everything() {
        return String.join("\n", bodies) + "\n" + String.join("\n", metricBodies);
    }

    /** Every export request body (traces, then metrics) so far, each one OTLP/JSON document. */
    public List<String> exportRequests() {
        List<String> all = new ArrayList<>(bodies);
        all.addAll(metricBodies);
        return all;
    }

    /**
     * The attribute sets of every data point of metric {@code name} exported so far (histograms, sums and gauges
     * alike), each with {@code "_count"} (histograms) or {@code "_value"} added, and {@code "_time"} (epoch nanos).
     */
    public List<Map<String, Object>> metricPoints(String name) {
        List<Map<String, Object>> points = new ArrayList<>();
        for (String body : metricBodies) {
            try {
                for (JsonNode resource : JSON.readTree(body).path("resourceMetrics")) {
                    for (JsonNode scope : resource.path("scopeMetrics")) {
                        for (JsonNode metric : scope.path("metrics")) {
                            if (!metric.path("name").asText().equals(name)) {
                                continue;
                            }
                            for (String kind : List.of("histogram", "sum", "gauge")) {
                                for (JsonNode point : metric.path(kind).path("dataPoints")) {
                                    Map<String, Object> attributes = new LinkedHashMap<>();
                                    for (JsonNode attribute : point.path("attributes")) {
                                        attributes.put(attribute.path("key").asText(), value(attribute.path("value")));
                                    }
                                    if (point.has("count")) {
                                        attributes.put(
                                                "_count", point.get("count").asLong());
                                    }
                                    if (point.has("timeUnixNano")) {
                                        attributes.put(
                                                "_time",
                                                point.get("timeUnixNano").asLong());
                                    }
                                    if (point.has("asInt")) {
                                        attributes.put(
                                                "_value", point.get("asInt").asLong());
                                    }
                                    points.add(attributes);
                                }
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("the collector exported invalid JSON", e);
            }
        }
        return points;
    }

    public List<ExportedSpan> spans() {
        List<ExportedSpan> spans = new ArrayList<>();
        for (String body : bodies) {
            try {
                for (JsonNode resource : JSON.readTree(body).path("resourceSpans")) {
                    for (JsonNode scope : resource.path("scopeSpans")) {
                        for (JsonNode span : scope.path("spans")) {
                            spans.add(toSpan(span));
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("the collector exported invalid JSON", e);
            }
        }
        return spans;
    }

    /** Waits until spans matching {@code match} number at least {@code count}; returns them. */
    public List<ExportedSpan> await(Predicate<ExportedSpan> match, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ExportedSpan> found;
        do {
            found = spans().stream().filter(match).toList();
            if (found.size() >= count) {
                return found;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.nanoTime() < deadline);
        throw new AssertionError("expected " + count + " matching spans within " + timeout + ", got " + found.size()
                + "; all spans: " + spans().stream().map(ExportedSpan::name).toList());
    }

    private static ExportedSpan toSpan(JsonNode span) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (JsonNode attribute : span.path("attributes")) {
            attributes.put(attribute.path("key").asText(), value(attribute.path("value")));
        }
        List<String> links = new ArrayList<>();
        span.path("links").forEach(link -> links.add(link.path("spanId").asText()));
        return new ExportedSpan(
                span.path("traceId").asText(),
                span.path("spanId").asText(),
                span.path("parentSpanId").asText(""),
                span.path("name").asText(),
                span.path("kind").asInt(),
                attributes,
                links,
                span);
    }

    private static Object value(JsonNode value) {
        if (value.has("stringValue")) {
            return value.get("stringValue").asText();
        }
        if (value.has("intValue")) {
            return value.get("intValue").asLong(); // OTLP JSON carries 64-bit integers as strings
        }
        if (value.has("boolValue")) {
            return value.get("boolValue").asBoolean();
        }
        if (value.has("doubleValue")) {
            return value.get("doubleValue").asDouble();
        }
        if (value.has("arrayValue")) {
            List<Object> items = new ArrayList<>();
            value.get("arrayValue").path("values").forEach(item -> items.add(value(item)));
            return items;
        }
        return value.toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
