package io.mcpguard.proxy.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Reads the proxy's spans out of OTLP/JSON: an {@code ExportTraceServiceRequest} or {@code TracesData} (what a
 * Collector's {@code otlp_http} exporter with {@code encoding: json} sends and its file exporter writes, one per
 * line), or Jaeger's query API answer ({@code /api/v3/traces}), which holds the same under {@code result}.
 *
 * <p>A span is the proxy's when it carries {@code mcp.policy.outcome}; the CLIENT span of a forwarded message
 * repeats its SERVER span's facts, so only SERVER spans count.
 */
final class OtlpTrail {
    private static final int SERVER = 2;
    private static final String MASKED = "mcp.policy.masked.";
    private static final String LABEL = "mcp.policy.label.";

    private OtlpTrail() {}

    /** Every proxy span in {@code document}, in the order they appear. */
    static void read(JsonNode document, Consumer<TrailSpan> out) {
        JsonNode root = document.has("result") ? document.get("result") : document;
        for (JsonNode resource : root.path("resourceSpans")) {
            for (JsonNode scope : resource.path("scopeSpans")) {
                for (JsonNode span : scope.path("spans")) {
                    TrailSpan read = span(span);
                    if (read != null) {
                        out.accept(read);
                    }
                }
            }
        }
    }

    private static TrailSpan span(JsonNode span) {
        if (kind(span.path("kind")) != SERVER) {
            return null;
        }
        Map<String, JsonNode> attributes = attributes(span.path("attributes"));
        String outcome = text(attributes.get("mcp.policy.outcome"));
        if (outcome == null) {
            return null;
        }
        Map<String, Long> masked = new HashMap<>();
        Map<String, String> labels = new TreeMap<>();
        attributes.forEach((key, value) -> {
            if (key.startsWith(MASKED) && !key.equals(MASKED + "total")) {
                masked.put(key.substring(MASKED.length()), number(value));
            } else if (key.startsWith(LABEL) && text(value) != null) {
                labels.put(key.substring(LABEL.length()), text(value));
            }
        });
        List<String> events = new ArrayList<>();
        for (JsonNode event : span.path("events")) {
            String name = event.path("name").asText("");
            if (name.startsWith("security.")) {
                events.add(name);
            }
        }
        List<String> reasons = texts(attributes.get("mcp.policy.reasons"));
        String reason = text(attributes.get("mcp.policy.reason"));
        if (reasons.isEmpty() && reason != null) {
            reasons = List.of(reason);
        }
        return new TrailSpan(
                Instant.EPOCH.plusNanos(span.path("startTimeUnixNano").asLong()),
                text(attributes.get("mcp.policy.subject.id")),
                text(attributes.get("mcp.policy.subject.key_id")),
                text(attributes.get("mcp.method.name")),
                text(attributes.get("gen_ai.tool.name")),
                labels,
                outcome,
                reasons,
                masked,
                events,
                text(attributes.get("mcp.policy.revision")));
    }

    /** OTLP/JSON writes the kind as its number; some encoders write the enum's name. */
    private static int kind(JsonNode kind) {
        if (kind.isNumber()) {
            return kind.asInt();
        }
        return "SPAN_KIND_SERVER".equals(kind.asText()) ? SERVER : 0;
    }

    private static Map<String, JsonNode> attributes(JsonNode list) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode attribute : list) {
            out.put(attribute.path("key").asText(), attribute.path("value"));
        }
        return out;
    }

    private static String text(JsonNode value) {
        return value == null || !value.has("stringValue")
                ? null
                : value.get("stringValue").asText();
    }

    /** OTLP/JSON writes 64-bit integers as strings. */
    private static long number(JsonNode value) {
        JsonNode n = value.path("intValue");
        return n.isMissingNode() ? 0 : n.asLong();
    }

    private static List<String> texts(JsonNode value) {
        List<String> out = new ArrayList<>();
        if (value != null) {
            for (JsonNode item : value.path("arrayValue").path("values")) {
                if (item.has("stringValue")) {
                    out.add(item.get("stringValue").asText());
                }
            }
        }
        return out;
    }
}
