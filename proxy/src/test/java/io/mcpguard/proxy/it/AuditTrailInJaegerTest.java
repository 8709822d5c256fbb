package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.JaegerProcess;
import io.mcpguard.proxy.testing.JsonRpcAnswers;
import io.mcpguard.proxy.testing.OtelProperties;
import io.mcpguard.proxy.testing.ProxyStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail as an operator sees it: the proxy exports OTLP straight to a real Jaeger v2 (in-memory storage),
 * and the test reads each trace back through Jaeger's query API ({@code GET /api/v3/traces/{id}}) — the
 * {@code tools/call} SERVER span with its {@code mcp.policy.*} attributes, and the CLIENT span of the hop to the
 * MCP server under it. Real OPA with the repository's policies, a real MCP server.
 */
class AuditTrailInJaegerTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Duration IN_JAEGER_WITHIN = Duration.ofSeconds(30);
    private static final int SERVER = 2;
    private static final int CLIENT = 3;

    /** The subject, a viewer of workspace acme: a test-side stand-in for identity (as in the other audit tests). */
    private static final SubjectResolver VIEWER = (ctx, request) -> new Subject(
            "jaeger-viewer", true, "jwt", List.of("viewer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);

    @TempDir
    static Path dir;

    @RegisterExtension
    @Order(1)
    static final ClassPart<JaegerProcess> jaeger = ClassPart.of(() -> {
        JaegerProcess started = new JaegerProcess();
        started.start();
        return started;
    });

    @RegisterExtension
    @Order(2)
    static final ProxyStack stack = ProxyStack.builder()
            .policies(ProxyStack.Policies.copyOfRepo())
            .otel(OtelProperties.QUICK_EXPORT)
            .settings(() -> Map.of(
                    "audit.enabled",
                    "true",
                    "audit.otlp-endpoint",
                    jaeger.get().otlpHttpEndpoint(),
                    "audit.otlp-protocol",
                    "http/protobuf",
                    "audit.spool-dir",
                    dir.resolve("spool").toString()))
            .subjectHashKey("jaeger-test-key-0123456789abcdef0123456789")
            .subjects(VIEWER)
            .build();

    private static String session;

    @BeforeAll
    static void start() throws Exception {
        HttpResponse<String> initialized = send(
                null,
                null,
                "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                        + "\"capabilities\":{},\"clientInfo\":{\"name\":\"jaeger-test\",\"version\":\"1\"}}}");
        session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
        send(session, null, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    }

    @Test
    void an_allowed_call_reads_back_from_jaeger_with_its_decision_and_the_hop_to_the_server_under_it()
            throws Exception {
        String trace = traceId();

        JsonNode answer = JsonRpcAnswers.message(
                send(session, "00-" + trace + "-" + spanId() + "-01", call(7, "get_repository")));

        assertThat(answer.has("result")).as(answer.toString()).isTrue();
        JsonNode found = jaeger.get()
                .awaitTrace(trace, 2, IN_JAEGER_WITHIN)
                .orElseThrow(() -> new AssertionError("trace " + trace + " is not in Jaeger; its log:\n"
                        + jaeger.get().logText()));
        List<Span> spans = spans(found);
        Span server = only(spans, SERVER);
        Span hop = only(spans, CLIENT);
        assertThat(server.service()).isEqualTo("mcpguard-proxy");
        assertThat(server.name()).isEqualTo("tools/call get_repository");
        assertThat(server.attributes())
                .containsEntry("mcp.method.name", "tools/call")
                .containsEntry("gen_ai.tool.name", "get_repository")
                .containsEntry("mcp.policy.outcome", "allow")
                .containsEntry("mcp.policy.auth.method", "jwt")
                .containsKeys(
                        "mcp.policy.decision_id",
                        "mcp.policy.revision",
                        "mcp.policy.subject.id",
                        "mcp.policy.quota.key");
        assertThat(server.attributes()).containsEntry("mcp.policy.subject.pseudonymised", true);
        assertThat(server.attributes().get("mcp.policy.subject.id"))
                .as("pseudonymised, never the clear id")
                .isNotEqualTo("jaeger-viewer");
        assertThat(hop.name()).isEqualTo("tools/call get_repository");
        assertThat(hop.parentSpanId())
                .as("the hop to the server hangs under the decision")
                .isEqualTo(server.spanId());
        assertThat(hop.attributes()).containsEntry("server.address", "127.0.0.1");
    }

    @Test
    void a_denied_call_reads_back_from_jaeger_with_the_policy_reasons_and_no_hop() throws Exception {
        String trace = traceId();

        JsonNode answer = JsonRpcAnswers.message(
                send(session, "00-" + trace + "-" + spanId() + "-01", call(8, "merge_pull_request")));

        assertThat(answer.path("error").path("code").asInt()).isEqualTo(-32001);
        JsonNode found = jaeger.get()
                .awaitTrace(trace, 1, IN_JAEGER_WITHIN)
                .orElseThrow(() -> new AssertionError("trace " + trace + " is not in Jaeger; its log:\n"
                        + jaeger.get().logText()));
        List<Span> spans = spans(found);
        Span server = only(spans, SERVER);
        assertThat(server.attributes())
                .containsEntry("mcp.policy.outcome", "deny")
                .containsEntry("rpc.response.status_code", "-32001")
                .containsKey("mcp.policy.reasons");
        assertThat(spans).noneMatch(s -> s.kind() == CLIENT);
    }

    /** One span as Jaeger's API returns it (OTLP/JSON: hex ids, numeric kind, typed attribute values). */
    private record Span(
            String service,
            String name,
            int kind,
            String spanId,
            String parentSpanId,
            Map<String, Object> attributes) {}

    private static List<Span> spans(JsonNode trace) {
        List<Span> spans = new ArrayList<>();
        for (JsonNode resourceSpans : trace.path("result").path("resourceSpans")) {
            String service = attributes(resourceSpans.path("resource").path("attributes"))
                    .getOrDefault("service.name", "")
                    .toString();
            for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
                for (JsonNode span : scopeSpans.path("spans")) {
                    spans.add(new Span(
                            service,
                            span.path("name").asText(),
                            kind(span.path("kind")),
                            span.path("spanId").asText(),
                            span.path("parentSpanId").asText(),
                            attributes(span.path("attributes"))));
                }
            }
        }
        return spans;
    }

    private static int kind(JsonNode kind) {
        if (kind.isNumber()) {
            return kind.asInt();
        }
        return switch (kind.asText()) {
            case "SPAN_KIND_SERVER" -> SERVER;
            case "SPAN_KIND_CLIENT" -> CLIENT;
            default -> 0;
        };
    }

    private static Map<String, Object> attributes(JsonNode list) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (JsonNode attribute : list) {
            JsonNode value = attribute.path("value");
            Object plain = value.has("stringValue")
                    ? value.get("stringValue").asText()
                    : value.has("intValue")
                            ? (Object) value.get("intValue").asLong()
                            : value.has("boolValue")
                                    ? (Object) value.get("boolValue").asBoolean()
                                    : value.toString();
            attributes.put(attribute.path("key").asText(), plain);
        }
        return attributes;
    }

    private static Span only(List<Span> spans, int kind) {
        List<Span> ofKind = spans.stream().filter(s -> s.kind() == kind).toList();
        assertThat(ofKind).as("spans of kind %d in %s", kind, spans).hasSize(1);
        return ofKind.get(0);
    }

    private static String call(int id, String tool) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\"}}}";
    }

    private static HttpResponse<String> send(String session, String traceparent, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(stack.proxy().mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-06-18")
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

    private static String traceId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static String spanId() {
        return traceId().substring(0, 16);
    }
}
