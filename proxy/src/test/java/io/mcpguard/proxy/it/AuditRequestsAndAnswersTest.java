package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.JsonRpcAnswers;
import io.mcpguard.proxy.testing.OtelCollectorProcess;
import io.mcpguard.proxy.testing.OtelProperties;
import io.mcpguard.proxy.testing.OtlpJsonSink;
import io.mcpguard.proxy.testing.OtlpJsonSink.ExportedSpan;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.ProxyStack;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The audit trail beyond decided messages, through a real OpenTelemetry Collector: requests refused before a message
 * is read (bad credentials, with the burst event) or that carry none (an undecodable body, the GET stream, DELETE);
 * the server's own failures (a failed tool, a JSON-RPC error) on the spans of allowed calls; the opt-in recording of
 * tool arguments and results, masked for every class; and the masking spike.
 */
class AuditRequestsAndAnswersTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Duration EXPORTED_WITHIN = Duration.ofSeconds(20);
    private static final String PLANTED_TOKEN = "planted-bearer-" + UUID.randomUUID();
    private static final String AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
    private static final String EMAIL = "jordan.lee@acme-corp.example";

    /** The subject of each request, by the test-only X-Test-Subject header. */
    private static final SubjectResolver SUBJECTS = (ctx, request) -> new Subject(
            request.headers().get("X-Test-Subject", "audit-viewer"),
            true,
            "api_key",
            List.of("viewer@acme/*"),
            List.of(),
            null,
            List.of(),
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

    private static final Map<String, String> OTEL = Map.of("otel.bsp.schedule.delay", "100");

    /** Arguments and results recorded; a masking spike at 3 masked values per subject. */
    @RegisterExtension
    @Order(3)
    static final ProxyStack stack = ProxyStack.builder()
            .otel(OTEL)
            .settings(() -> Map.of(
                    "audit.enabled", "true",
                    "audit.otlp-endpoint", collector.get().httpEndpoint(),
                    "audit.record-tool-calls", "true",
                    "audit.masking-spike-threshold", "3"))
            .subjects(SUBJECTS)
            .build();

    /**
     * Authentication required with no issuer and no key: every credential is refused. A second proxy in front of
     * the stack's upstream and OPA.
     */
    private static ProxyHarness locked;

    @BeforeAll
    static void start() throws Exception {
        locked = OtelProperties.during(
                OTEL,
                () -> new ProxyHarness(
                        stack.upstream().url(),
                        stack.opa().url(),
                        Map.of(
                                "auth.mode",
                                "required",
                                "audit.enabled",
                                "true",
                                "audit.otlp-endpoint",
                                collector.get().httpEndpoint(),
                                "audit.auth-failure-burst-threshold",
                                "3")));
    }

    @AfterAll
    static void stop() {
        if (locked != null) locked.close();
    }

    @Test
    void each_refused_credential_leaves_a_span_and_the_third_from_one_address_a_burst_event() throws Exception {
        List<String> traces = List.of(traceId(), traceId(), traceId());
        for (String trace : traces) {
            HttpResponse<String> refused = HTTP.send(
                    post(locked.mcpUrl(), null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")
                            .header("Authorization", "Bearer " + PLANTED_TOKEN)
                            .header("traceparent", traceparent(trace))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
        }

        for (String trace : traces) {
            ExportedSpan span = one(trace);
            assertThat(span.name()).isEqualTo("POST /mcp");
            assertThat(span.attributes())
                    .containsEntry("http.request.method", "POST")
                    .containsEntry("url.path", "/mcp")
                    .containsEntry("http.response.status_code", 401L)
                    .containsEntry("mcp.policy.outcome", "unauthenticated")
                    .containsEntry("rpc.response.status_code", "-32007")
                    .containsEntry("error.type", "-32007")
                    .containsEntry("client.address", "127.0.0.1")
                    .containsKey("mcp.policy.reason");
        }
        assertThat(events(one(traces.get(0)))).isEmpty();
        assertThat(events(one(traces.get(2))))
                .anySatisfy(event ->
                        assertThat(event.path("name").asText()).isEqualTo("security.authentication_failure_burst"));
        assertThat(sink.get().everything()).doesNotContain(PLANTED_TOKEN);
    }

    @Test
    void an_undecodable_body_leaves_a_span_with_the_json_rpc_error() throws Exception {
        String trace = traceId();

        HttpResponse<String> refused = HTTP.send(
                post(stack.proxy().mcpUrl(), "undecodable", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":")
                        .header("traceparent", traceparent(trace))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(refused.statusCode()).isEqualTo(400);
        ExportedSpan span = one(trace);
        assertThat(span.name()).isEqualTo("POST /mcp");
        assertThat(span.attributes())
                .containsEntry("mcp.policy.outcome", "invalid")
                .containsEntry("rpc.response.status_code", "-32700")
                .containsEntry("http.response.status_code", 400L)
                .containsEntry("mcp.policy.subject.id", "undecodable");
    }

    @Test
    void the_server_stream_and_the_end_of_a_session_leave_request_spans() throws Exception {
        String session = initialize("streamer");
        String getTrace = traceId();
        URI proxy = URI.create(stack.proxy().mcpUrl());
        String deleteTrace = traceId();
        HttpResponse<String> deleted;
        try (Socket socket = new Socket(proxy.getHost(), proxy.getPort())) {
            openStream(socket, proxy, session, "streamer", getTrace);

            // Ending the session ends its stream at the server; the GET span ends with it.
            deleted = HTTP.send(
                    HttpRequest.newBuilder(proxy)
                            .header("MCP-Protocol-Version", "2025-06-18")
                            .header("Mcp-Session-Id", session)
                            .header("X-Test-Subject", "streamer")
                            .header("traceparent", traceparent(deleteTrace))
                            .DELETE()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            ExportedSpan get = one(getTrace);
            assertThat(get.name()).isEqualTo("GET /mcp");
            assertThat(get.attributes())
                    .containsEntry("http.request.method", "GET")
                    .containsEntry("http.response.status_code", 200L)
                    .containsEntry("mcp.policy.outcome", "allow")
                    .containsEntry("mcp.session.id", session)
                    .containsEntry("mcp.policy.subject.id", "streamer")
                    .doesNotContainKey("error.type");
        }
        ExportedSpan delete = one(deleteTrace);
        assertThat(delete.name()).isEqualTo("DELETE /mcp");
        assertThat(delete.attributes())
                .containsEntry("http.response.status_code", (long) deleted.statusCode())
                .containsEntry("mcp.policy.outcome", "allow");
    }

    @Test
    void a_client_leaving_the_server_stream_ends_it_before_the_servers_next_keep_alive() throws Exception {
        String session = initialize("leaver");
        String getTrace = traceId();
        URI proxy = URI.create(stack.proxy().mcpUrl());
        try (Socket socket = new Socket(proxy.getHost(), proxy.getPort())) {
            openStream(socket, proxy, session, "leaver", getTrace);
        } // the client leaves; the server would only write again at its next keep-alive, 15 s away

        ExportedSpan get = sink.get()
                .await(s -> s.traceId().equals(getTrace) && s.kind() == ExportedSpan.SERVER, 1, Duration.ofSeconds(5))
                .get(0);
        assertThat(get.attributes())
                .containsEntry("mcp.policy.outcome", "allow")
                .doesNotContainKey("error.type");
    }

    @Test
    void a_failed_tool_and_a_server_error_answer_are_on_the_spans_of_allowed_calls() throws Exception {
        String session = initialize("failing");
        String missing = traceId();
        String invalid = traceId();

        JsonNode toolFailed = call("failing", session, missing, 5, "get_repository", "\"repo\":\"missing\"");
        JsonNode serverError = call("failing", session, invalid, 6, "get_repository", "\"repo\":\"invalid\"");

        assertThat(toolFailed.at("/result/isError").asBoolean()).isTrue();
        assertThat(serverError.at("/error/code").asInt()).isEqualTo(-32602);
        ExportedSpan failedTool = one(missing);
        assertThat(failedTool.attributes())
                .containsEntry("mcp.policy.outcome", "allow")
                .containsEntry("error.type", "tool_error")
                .doesNotContainKey("rpc.response.status_code");
        assertThat(failedTool.raw().path("status").path("code").asInt()).isEqualTo(2); // STATUS_CODE_ERROR
        assertThat(one(invalid).attributes())
                .containsEntry("mcp.policy.outcome", "allow")
                .containsEntry("rpc.response.status_code", "-32602")
                .containsEntry("error.type", "-32602");
        assertThat(sink.get()
                        .await(s -> s.traceId().equals(missing) && s.kind() == ExportedSpan.CLIENT, 1, EXPORTED_WITHIN))
                .singleElement()
                .satisfies(hop -> assertThat(hop.attributes()).containsEntry("error.type", "tool_error"));
    }

    @Test
    void recorded_arguments_and_results_are_masked_for_every_class_and_a_masking_spike_is_raised() throws Exception {
        String session = initialize("recorded");
        stack.upstream().releaseStream(); // list_commits answers at once
        String first = traceId();
        String second = traceId();

        JsonNode answer = call(
                "recorded",
                session,
                first,
                7,
                "list_commits",
                "\"repo\":\"api\",\"message\":\"key " + AWS_KEY + " from " + EMAIL + "\"");
        call("recorded", session, second, 8, "list_commits", "\"repo\":\"api\",\"message\":\"key " + AWS_KEY + "\"");

        assertThat(answer.toString()).doesNotContain(AWS_KEY);
        ExportedSpan span = one(first);
        assertThat((String) span.attribute("gen_ai.tool.call.arguments"))
                .contains("\"workspace\":\"acme\"")
                .contains("[REDACTED:aws-access-key]")
                .contains("[REDACTED:email]")
                .doesNotContain(AWS_KEY)
                .doesNotContain(EMAIL);
        assertThat((String) span.attribute("gen_ai.tool.call.result"))
                .contains("released key [REDACTED:aws-access-key] from [REDACTED:email]")
                .doesNotContain(AWS_KEY)
                .doesNotContain(EMAIL);
        assertThat(span.attributes()).containsEntry("mcp.policy.auth.mfa", false);
        // Two masked in the first answer (when the policy masks personal data for a viewer) or one, then one more:
        // the third masked value for this subject is the spike.
        List<JsonNode> spikes = new ArrayList<>();
        events(span).forEach(spikes::add);
        events(one(second)).forEach(spikes::add);
        assertThat(spikes)
                .filteredOn(e -> e.path("name").asText().equals("security.masking_spike"))
                .hasSize(1);
        assertThat(sink.get().everything()).doesNotContain(AWS_KEY).doesNotContain(EMAIL);
    }

    /** Opens the session's GET stream on {@code socket} and reads its status line. */
    private static void openStream(Socket socket, URI proxy, String session, String subject, String trace)
            throws Exception {
        socket.getOutputStream()
                .write(("GET /mcp HTTP/1.1\r\nHost: " + proxy.getHost() + ":" + proxy.getPort()
                                + "\r\nAccept: text/event-stream\r\nMCP-Protocol-Version: 2025-06-18\r\n"
                                + "Mcp-Session-Id: " + session + "\r\nX-Test-Subject: " + subject + "\r\n"
                                + "traceparent: " + traceparent(trace) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        BufferedReader head =
                new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        // The server sends the stream's head with its first event: have it send one, until one arrives.
        socket.setSoTimeout(200);
        String status = null;
        for (int i = 0; i < 100 && status == null; i++) {
            stack.upstream().toolsListChanged();
            try {
                status = head.readLine();
            } catch (java.net.SocketTimeoutException e) {
                // not yet: the stream was not open at the server when the event was sent
            }
        }
        assertThat(status).isEqualTo("HTTP/1.1 200 OK");
    }

    private static String initialize(String subject) throws Exception {
        HttpResponse<String> initialized = HTTP.send(
                post(
                                stack.proxy().mcpUrl(),
                                subject,
                                "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                                        + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"audit\","
                                        + "\"version\":\"1\"}}}")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
        HTTP.send(
                post(stack.proxy().mcpUrl(), subject, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
                        .header("Mcp-Session-Id", session)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return session;
    }

    private static JsonNode call(String subject, String session, String trace, int id, String tool, String arguments)
            throws Exception {
        HttpResponse<String> response = HTTP.send(
                post(
                                stack.proxy().mcpUrl(),
                                subject,
                                "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{"
                                        + "\"name\":\"" + tool + "\",\"arguments\":{\"workspace\":\"acme\","
                                        + arguments + "}}}")
                        .header("Mcp-Session-Id", session)
                        .header("traceparent", traceparent(trace))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return JsonRpcAnswers.message(response);
    }

    private static HttpRequest.Builder post(String url, String subject, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-06-18")
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (subject != null) {
            request.header("X-Test-Subject", subject);
        }
        return request;
    }

    private static ExportedSpan one(String traceId) {
        return sink.get()
                .await(s -> s.traceId().equals(traceId) && s.kind() == ExportedSpan.SERVER, 1, EXPORTED_WITHIN)
                .get(0);
    }

    private static List<JsonNode> events(ExportedSpan span) {
        List<JsonNode> events = new ArrayList<>();
        span.raw().path("events").forEach(events::add);
        return events;
    }

    private static String traceId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static String traceparent(String traceId) {
        return "00-" + traceId + "-" + traceId.substring(0, 16) + "-01";
    }
}
