package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.JsonRpcAnswers;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.OtelCollectorProcess;
import io.mcpguard.proxy.testing.OtelProperties;
import io.mcpguard.proxy.testing.OtlpJsonSink;
import io.mcpguard.proxy.testing.OtlpJsonSink.ExportedSpan;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.RecordingUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The audit trail end to end: a real OPA with the repository's policies (the viewer's read quota lowered to 3), a
 * real MCP server, the proxy with the audit trail on, and a real OpenTelemetry Collector receiving OTLP from it and
 * exporting OTLP/JSON to a sink the test reads. Every test speaks as its own subject (chosen by a test-only
 * header, see {@link #SUBJECTS}), so quotas do not leak between tests, and names its own trace.
 */
class AuditTrailThroughProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Duration EXPORTED_WITHIN = Duration.ofSeconds(20);
    private static final String HASH_KEY = "audit-test-key-0123456789abcdef0123456789";
    /** A credential and argument values no audit record may ever contain. */
    private static final String PLANTED_TOKEN = "sk-planted-bearer-" + UUID.randomUUID();

    private static final String PLANTED_ARGUMENT =
            "AKIAPLANTED" + UUID.randomUUID().toString().replace("-", "");

    /** The subject of each request, by the test-only X-Test-Subject header: a test-side stand-in for identity. */
    private static final io.mcpguard.proxy.policy.SubjectResolver SUBJECTS = (ctx, request) -> new Subject(
            request.headers().get("X-Test-Subject", "audit-viewer"),
            true,
            "jwt",
            List.of("viewer@acme/*"),
            List.of(),
            null,
            List.of("pwd"),
            null,
            null,
            null);

    @RegisterExtension
    @Order(1)
    static final ClassPart<OtlpJsonSink> sink = ClassPart.of(OtlpJsonSink::new);

    @RegisterExtension
    @Order(2)
    static final ClassPart<OtelCollectorProcess> collector = ClassPart.of(() -> {
        OtelCollectorProcess started = new OtelCollectorProcess(sink.get());
        started.start();
        return started;
    });

    @RegisterExtension
    @Order(3)
    static final ProxyStack stack = ProxyStack.builder()
            .policies(ProxyStack.Policies.withReadQuota("viewer", 3, null))
            // The standard OTEL_* settings reach the SDK too (here as their system-property form): export quickly.
            .otel(OtelProperties.QUICK_EXPORT)
            .settings(() -> Map.of(
                    "audit.enabled", "true",
                    "audit.otlp-endpoint", collector.get().httpEndpoint(),
                    "audit.otlp-protocol", "http/protobuf",
                    "audit.denial-burst-threshold", "3"))
            .subjectHashKey(HASH_KEY)
            .subjects(SUBJECTS)
            .build();

    /** A client's session: its subject, its Mcp-Session-Id. */
    private record Client(String subject, String session) {
        static Client open(String subject) throws Exception {
            HttpResponse<String> initialized = send(
                    subject,
                    null,
                    null,
                    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                            + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                            + "\"clientInfo\":{\"name\":\"audit-test\",\"version\":\"1\"}}}");
            String session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
            send(subject, session, null, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            return new Client(subject, session);
        }

        JsonNode call(int id, String tool, String repo, String traceparent) throws Exception {
            return answer(send(
                    subject,
                    session,
                    traceparent,
                    "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                            + "\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"" + repo + "\"}}}"));
        }
    }

    private static HttpResponse<String> send(String subject, String session, String traceparent, String json)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(stack.proxy().mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-06-18")
                .header("X-Test-Subject", subject)
                .header("Authorization", "Bearer " + PLANTED_TOKEN)
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

    private static JsonNode answer(HttpResponse<String> response) throws Exception {
        return JsonRpcAnswers.message(response);
    }

    private static String traceId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static String spanId() {
        return traceId().substring(0, 16);
    }

    private static String hmac(String id) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(HASH_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(id.getBytes(StandardCharsets.UTF_8)));
    }

    private static ExportedSpan one(String traceId, int kind) {
        return sink.get()
                .await(s -> s.traceId().equals(traceId) && s.kind() == kind, 1, EXPORTED_WITHIN)
                .get(0);
    }

    @Test
    void an_allowed_call_continues_the_clients_trace_with_a_server_span_and_a_client_span_for_the_hop()
            throws Exception {
        Client client = Client.open("allowed-subject");
        String trace = traceId();
        String parent = spanId();

        JsonNode answer = client.call(7, "get_repository", "api", "00-" + trace + "-" + parent + "-01");

        assertThat(answer.has("result")).as(answer.toString()).isTrue();
        ExportedSpan server = one(trace, ExportedSpan.SERVER);
        assertThat(server.name()).isEqualTo("tools/call get_repository");
        assertThat(server.parentSpanId()).isEqualTo(parent);
        assertThat(server.attributes())
                .containsEntry("mcp.method.name", "tools/call")
                .containsEntry("gen_ai.tool.name", "get_repository")
                .containsEntry("gen_ai.operation.name", "execute_tool")
                .containsEntry("jsonrpc.request.id", "7")
                .containsEntry("mcp.protocol.version", "2025-06-18")
                .containsEntry("mcp.session.id", client.session())
                .containsEntry("network.transport", "tcp")
                .containsEntry("network.protocol.name", "http")
                .containsEntry("network.protocol.version", "1.1")
                .containsEntry("client.address", "127.0.0.1")
                .containsKey("client.port")
                .containsEntry("mcp.policy.outcome", "allow")
                .containsEntry("mcp.policy.subject.id", hmac("allowed-subject"))
                .containsEntry("mcp.policy.subject.pseudonymised", true)
                .containsEntry("mcp.policy.subject.roles", List.of("viewer@acme/*"))
                .containsEntry("mcp.policy.auth.method", "jwt")
                .containsEntry("mcp.policy.auth.amr", List.of("pwd"))
                .containsEntry("mcp.policy.mfa_required", false)
                .containsEntry("mcp.policy.label.workspace", "acme") // audit.label-arguments' default
                .doesNotContainKey("mcp.policy.label.repo")
                .containsKeys("mcp.policy.revision", "mcp.policy.decision_id", "mcp.policy.quota.key")
                .doesNotContainKeys("rpc.response.status_code", "error.type");
        assertThat((String) server.attribute("mcp.policy.decision_id")).isNotBlank();

        ExportedSpan hop = one(trace, ExportedSpan.CLIENT);
        assertThat(hop.name()).isEqualTo("tools/call get_repository");
        assertThat(hop.parentSpanId()).isEqualTo(server.spanId());
        assertThat(hop.attributes())
                .containsEntry("mcp.method.name", "tools/call")
                .containsEntry("gen_ai.tool.name", "get_repository")
                .containsEntry("server.address", "127.0.0.1")
                .containsKey("server.port");

        RecordingUpstream.Received atCore = stack.upstream().received().stream()
                .filter(r -> r.body().contains("\"id\":7") && r.body().contains(trace))
                .findFirst()
                .orElseThrow();
        String propagated = "00-" + trace + "-" + hop.spanId() + "-01";
        assertThat(atCore.header("traceparent"))
                .as("the core's parent is the hop's span")
                .isEqualTo(propagated);
        assertThat(JSON.readTree(atCore.body())
                        .path("params")
                        .path("_meta")
                        .path("traceparent")
                        .asText())
                .isEqualTo(propagated);
    }

    @Test
    void a_client_cannot_silence_its_trail_with_an_unsampled_traceparent() throws Exception {
        Client client = Client.open("unsampled-subject");
        String trace = traceId();

        JsonNode answer = client.call(8, "get_repository", "api", "00-" + trace + "-" + spanId() + "-00");

        assertThat(answer.has("result")).isTrue();
        ExportedSpan server = one(trace, ExportedSpan.SERVER);
        assertThat(server.attributes()).containsEntry("mcp.policy.outcome", "allow");
        ExportedSpan hop = one(trace, ExportedSpan.CLIENT);
        assertThat(stack.upstream().received())
                .anySatisfy(
                        r -> assertThat(r.header("traceparent")).isEqualTo("00-" + trace + "-" + hop.spanId() + "-01"));
    }

    @Test
    void a_traceparent_in_params_meta_is_the_parent_and_the_http_one_a_link() throws Exception {
        Client client = Client.open("meta-subject");
        String metaTrace = traceId();
        String metaParent = spanId();
        String httpTrace = traceId();
        String httpParent = spanId();

        HttpResponse<String> response = send(
                client.subject(),
                client.session(),
                "00-" + httpTrace + "-" + httpParent + "-01",
                "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"get_repository\","
                        + "\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\"},"
                        + "\"_meta\":{\"traceparent\":\"00-" + metaTrace + "-" + metaParent + "-01\"}}}");

        assertThat(answer(response).has("result")).isTrue();
        ExportedSpan server = one(metaTrace, ExportedSpan.SERVER);
        assertThat(server.parentSpanId()).isEqualTo(metaParent);
        assertThat(server.linkedSpanIds()).containsExactly(httpParent);
    }

    @Test
    void a_denied_call_is_recorded_with_the_policy_reasons_and_never_reaches_the_core() throws Exception {
        Client client = Client.open("denied-subject");
        String trace = traceId();

        JsonNode answer = client.call(9, "merge_pull_request", "api", "00-" + trace + "-" + spanId() + "-01");

        assertThat(answer.path("error").path("code").asInt()).isEqualTo(-32001);
        ExportedSpan server = one(trace, ExportedSpan.SERVER);
        assertThat(server.name()).isEqualTo("tools/call merge_pull_request");
        assertThat(server.attributes())
                .containsEntry("mcp.policy.outcome", "deny")
                .containsEntry("rpc.response.status_code", "-32001")
                .containsEntry("error.type", "-32001")
                .containsEntry("gen_ai.tool.name", "merge_pull_request")
                .containsKeys("mcp.policy.decision_id", "mcp.policy.revision");
        assertThat((List<?>) server.attribute("mcp.policy.reasons")).isNotEmpty();
        assertThat(server.raw().path("status").path("code").asInt())
                .as("STATUS_CODE_ERROR")
                .isEqualTo(2);
        Thread.sleep(300); // a CLIENT span, had one been made, would have been exported with the SERVER span
        assertThat(sink.get().spans())
                .filteredOn(s -> s.traceId().equals(trace) && s.kind() == ExportedSpan.CLIENT)
                .isEmpty();
    }

    @Test
    void a_label_argument_that_is_not_a_plain_identifier_is_not_recorded() throws Exception {
        Client client = Client.open("label-subject");
        String trace = traceId();
        String planted = "acme <img src=x> " + PLANTED_ARGUMENT;

        send(
                client.subject(),
                client.session(),
                "00-" + trace + "-" + spanId() + "-01",
                "{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":\"tools/call\",\"params\":{\"name\":\"get_repository\","
                        + "\"arguments\":{\"workspace\":\"" + planted + "\",\"repo\":\"api\"}}}");

        ExportedSpan server = one(trace, ExportedSpan.SERVER);
        assertThat(server.attributes()).doesNotContainKey("mcp.policy.label.workspace");
        assertThat(server.raw().toString()).doesNotContain(PLANTED_ARGUMENT).doesNotContain("<img");
    }

    @Test
    void a_masked_answer_records_how_much_of_which_class_was_masked_but_not_what() throws Exception {
        Client client = Client.open("masked-subject");
        String trace = traceId();
        stack.upstream().releaseStream(); // list_commits answers at once

        JsonNode answer = answer(send(
                client.subject(),
                client.session(),
                "00-" + trace + "-" + spanId() + "-01",
                "{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"tools/call\",\"params\":{\"name\":\"list_commits\","
                        + "\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\","
                        + "\"message\":\"deploy key AKIAIOSFODNN7EXAMPLE\"}}}"));

        assertThat(answer.toString()).contains("[REDACTED:aws-access-key]").doesNotContain("AKIAIOSFODNN7EXAMPLE");
        ExportedSpan server = one(trace, ExportedSpan.SERVER);
        assertThat(server.attributes())
                .containsEntry("mcp.policy.outcome", "allow")
                .containsEntry("mcp.policy.masked.total", 1L)
                .containsEntry("mcp.policy.masked.secrets", 1L);
        assertThat(server.raw().toString()).doesNotContain("AKIAIOSFODNN7EXAMPLE");
    }

    @Test
    void a_list_answer_records_how_many_items_the_policy_hid_but_not_which() throws Exception {
        Client client = Client.open("lists-subject");
        String trace = traceId();

        JsonNode answer = answer(send(
                client.subject(),
                client.session(),
                "00-" + trace + "-" + spanId() + "-01",
                "{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":\"tools/list\"}"));

        assertThat(answer.toString()).contains("get_repository").doesNotContain("merge_pull_request");
        ExportedSpan server = one(trace, ExportedSpan.SERVER);
        assertThat(server.attributes()).containsEntry("mcp.policy.list.hidden", 1L);
        assertThat(server.raw().toString()).doesNotContain("merge_pull_request");
        long deadline = System.nanoTime() + EXPORTED_WITHIN.toNanos();
        while (System.nanoTime() < deadline
                && sink.get().metricPoints("mcp.policy.list.hidden").isEmpty()) {
            Thread.sleep(100);
        }
        assertThat(sink.get().metricPoints("mcp.policy.list.hidden"))
                .anySatisfy(p -> assertThat((Long) p.get("_value")).isPositive());
    }

    @Test
    void a_call_over_the_quota_is_recorded_as_over_quota() throws Exception {
        Client client = Client.open("quota-subject");
        for (int i = 1; i <= 3; i++) {
            assertThat(client.call(10 + i, "get_repository", "api", null).has("result"))
                    .isTrue();
        }
        String trace = traceId();

        JsonNode answer = client.call(20, "get_repository", "api", "00-" + trace + "-" + spanId() + "-01");

        assertThat(answer.path("error").path("code").asInt()).isEqualTo(-32029);
        ExportedSpan server = one(trace, ExportedSpan.SERVER);
        assertThat(server.attributes())
                .containsEntry("mcp.policy.outcome", "over_quota")
                .containsEntry("rpc.response.status_code", "-32029")
                .containsEntry("mcp.policy.quota.limit", 3L)
                .containsEntry("mcp.policy.quota.remaining", 0L);
    }

    @Test
    void operations_decisions_cache_quota_masking_and_security_events_are_exported_as_metrics() throws Exception {
        Client client = Client.open("metrics-subject");
        for (int i = 0; i < 3; i++) { // the third refusal within the window is a denial burst (threshold 3)
            client.call(40 + i, "merge_pull_request", "api", null);
        }
        stack.upstream().releaseStream();
        send(
                client.subject(),
                client.session(),
                null,
                "{\"jsonrpc\":\"2.0\",\"id\":45,\"method\":\"tools/call\",\"params\":{\"name\":\"list_commits\","
                        + "\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\","
                        + "\"message\":\"deploy key AKIAIOSFODNN7EXAMPLE\"}}}");
        for (int i = 1; i <= 3; i++) { // the quota holds 3 reads: the first of these is a cache miss, then hits
            client.call(45 + i, "get_repository", "api", null);
        }

        long deadline = System.nanoTime() + EXPORTED_WITHIN.toNanos();
        while (System.nanoTime() < deadline
                && (sink.get().metricPoints("mcp.server.operation.duration").stream()
                                .noneMatch(p -> "deny".equals(p.get("mcp.policy.outcome")))
                        || sink.get()
                                .metricPoints("mcp.policy.quota.rejections")
                                .isEmpty()
                        || sink.get().metricPoints("mcp.policy.masked.items").isEmpty()
                        || sink.get().metricPoints("mcp.security.events").isEmpty())) {
            Thread.sleep(100);
        }
        assertThat(sink.get().metricPoints("mcp.server.operation.duration"))
                .anySatisfy(p -> assertThat(p)
                        .containsEntry("mcp.method.name", "tools/call")
                        .containsEntry("gen_ai.tool.name", "merge_pull_request")
                        .containsEntry("mcp.policy.outcome", "deny")
                        .containsEntry("error.type", "-32001"))
                .anySatisfy(p -> assertThat(p)
                        .containsEntry("gen_ai.tool.name", "get_repository")
                        .containsEntry("mcp.policy.outcome", "allow"));
        assertThat(sink.get().metricPoints("mcp.policy.quota.rejections"))
                .anySatisfy(p -> assertThat((Long) p.get("_value")).isPositive());
        assertThat(sink.get().metricPoints("mcp.policy.decision.duration")).isNotEmpty();
        assertThat(sink.get().metricPoints("mcp.policy.opa.duration"))
                .anySatisfy(p -> assertThat(p).containsEntry("mcp.policy.opa.result", "decided"));
        assertThat(sink.get().metricPoints("mcp.policy.cache.lookups"))
                .anySatisfy(p -> assertThat(p).containsEntry("mcp.policy.cache.result", "hit"))
                .anySatisfy(p -> assertThat(p).containsEntry("mcp.policy.cache.result", "miss"))
                .allSatisfy(p -> assertThat((Long) p.get("_value")).isNotNegative());
        assertThat(sink.get().metricPoints("mcp.policy.cache.lookups"))
                .filteredOn(p -> "hit".equals(p.get("mcp.policy.cache.result")))
                .anySatisfy(p -> assertThat((Long) p.get("_value")).isPositive());
        assertThat(sink.get().metricPoints("mcp.policy.masked.items"))
                .anySatisfy(p -> assertThat(p).containsEntry("mcp.policy.masked.class", "secrets"));
        assertThat(sink.get().metricPoints("mcp.security.events"))
                .anySatisfy(p -> assertThat(p).containsEntry("event.name", "security.denial_burst"));
    }

    @Test
    void spans_are_exported_over_otlp_grpc_too() throws Exception {
        ProxyHarness grpc = new ProxyHarness(
                stack.upstream().url(),
                stack.opa().url(),
                Map.of(
                        "audit.enabled", "true",
                        "audit.otlp-endpoint", collector.get().grpcEndpoint(),
                        "audit.otlp-protocol", "grpc"),
                SUBJECTS);
        String trace = traceId();
        try {
            HttpResponse<String> pong = HTTP.send(
                    HttpRequest.newBuilder(URI.create(grpc.mcpUrl()))
                            .header("Content-Type", "application/json")
                            .header("Accept", "application/json, text/event-stream")
                            .header("traceparent", "00-" + trace + "-" + spanId() + "-01")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                                            + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                                            + "\"clientInfo\":{\"name\":\"grpc\",\"version\":\"1\"}}}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(pong.body()).contains("\"result\"");
        } finally {
            grpc.close(); // a clean shutdown exports what is buffered (the default batch delay is 5 s)
        }
        assertThat(one(trace, ExportedSpan.SERVER).name()).isEqualTo("initialize");
    }

    @Test
    void a_burst_of_refusals_for_one_subject_is_a_span_event_and_a_warn_line() throws Exception {
        Client client = Client.open("burst-subject");
        List<String> traces = List.of(traceId(), traceId(), traceId());
        try (LogCapture logs = new LogCapture()) {
            for (int i = 0; i < 3; i++) {
                JsonNode answer = client.call(
                        50 + i, "merge_pull_request", "api", "00-" + traces.get(i) + "-" + spanId() + "-01");
                assertThat(answer.path("error").path("code").asInt()).isEqualTo(-32001);
            }

            assertThat(events(one(traces.get(0), ExportedSpan.SERVER))).isEmpty();
            assertThat(events(one(traces.get(1), ExportedSpan.SERVER))).isEmpty();
            JsonNode event = events(one(traces.get(2), ExportedSpan.SERVER)).get(0);
            assertThat(event.path("name").asText()).isEqualTo("security.denial_burst");
            assertThat(event.toString()).contains("mcp.policy.denials").contains(hmac("burst-subject"));
            assertThat(logs.lines())
                    .filteredOn(l -> l.text().contains("event.name=security.denial_burst"))
                    .singleElement()
                    .satisfies(l -> {
                        assertThat(l.level()).isEqualTo("WARN");
                        assertThat(l.text()).contains(hmac("burst-subject")).doesNotContain("burst-subject ");
                    });
        }
    }

    private static List<JsonNode> events(ExportedSpan span) {
        List<JsonNode> events = new java.util.ArrayList<>();
        span.raw().path("events").forEach(events::add);
        return events;
    }

    @Test
    void no_credential_argument_result_or_clear_subject_id_is_ever_exported_or_logged() throws Exception {
        Client client = Client.open("leak-subject-name");
        String trace = traceId();
        String denyTrace = traceId();
        List<LogCapture.Line> logged;
        try (LogCapture logs = new LogCapture()) {
            client.call(30, "get_repository", PLANTED_ARGUMENT, "00-" + trace + "-" + spanId() + "-01");
            one(trace, ExportedSpan.SERVER);
            client.call(31, "merge_pull_request", PLANTED_ARGUMENT, "00-" + denyTrace + "-" + spanId() + "-01");
            one(denyTrace, ExportedSpan.SERVER);
            logged = logs.lines();
        }
        for (String secret : List.of(PLANTED_TOKEN, PLANTED_ARGUMENT)) {
            assertThat(logged).noneMatch(l -> l.text().contains(secret));
        }

        String exported = sink.get().everything();
        assertThat(exported).isNotEmpty();
        for (String secret : List.of(PLANTED_TOKEN, PLANTED_ARGUMENT, "leak-subject-name", "\"arguments\"")) {
            assertThat(exported.contains(secret))
                    .as("exported data contains %s", secret)
                    .isFalse();
        }
        assertThat(exported.contains("repository acme/"))
                .as("a tool result was exported")
                .isFalse();
    }
}
