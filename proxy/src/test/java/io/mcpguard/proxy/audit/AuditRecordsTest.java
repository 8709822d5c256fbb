package io.mcpguard.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.HopContext;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.exchange.ServerAnswer;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.mask.ClientText;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.Subject;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The audit stage reads a completed exchange log and records it: the spans of its messages or of its request, with
 * the facts the stages wrote. The SDK exports to memory here; the real collector is in the integration tests.
 */
class AuditRecordsTest {
    private static final JsonRpcDecoder DECODER = new JsonRpcDecoder(64, 1 << 20, 32);
    private static final Subject ALICE =
            new Subject("alice", true, "jwt", List.of("viewer"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("mcp.policy.outcome");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                    .setIdGenerator(new PresetIds())
                    .addSpanProcessor(SimpleSpanProcessor.create(exported))
                    .build())
            .build();
    private final AuditTrail trail = AuditTrail.over(
            sdk,
            ProxyConfig.load(null, Map.of()).audit(),
            URI.create("http://127.0.0.1:8080/mcp"),
            "/mcp",
            new ClientText(new TextMasker(SensitiveDataScanner.withDefaults(List.of("internal")), new byte[32])));

    @AfterEach
    void close() {
        sdk.close();
    }

    private ExchangeLog log(HttpMethod method, String traceparent) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/mcp");
        if (traceparent != null) {
            request.headers().set("traceparent", traceparent);
        }
        return ExchangeLog.open(new EmbeddedChannel(), request, trail);
    }

    private static DecodedBody call(String tool) throws Exception {
        return DECODER.decode(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                        + "\",\"arguments\":{}}}")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static GateVerdict verdict(DecodedBody body, boolean allow) {
        Decision decision = new Decision(
                allow,
                allow ? List.of() : List.of("viewers may not merge"),
                List.of(),
                null,
                null,
                null,
                0,
                null,
                "d-7",
                "rev-3",
                null);
        return new GateVerdict(List.of(new GateVerdict.Outcome(body.messages().get(0), decision, null)));
    }

    private SpanData only(SpanKind kind) {
        List<SpanData> spans = exported.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == kind)
                .toList();
        assertThat(spans).hasSize(1);
        return spans.get(0);
    }

    @Test
    void a_denied_message_is_one_server_span_with_the_decision_and_its_error() throws Exception {
        DecodedBody body = call("merge_pull_request");
        ExchangeLog log = log(HttpMethod.POST, null).subject(ALICE);
        log.body(body);
        GateVerdict verdict = verdict(body, false);
        log.decided(verdict);

        log.refused(verdict.refusals());

        SpanData server = only(SpanKind.SERVER);
        assertThat(exported.getFinishedSpanItems()).hasSize(1);
        assertThat(server.getName()).isEqualTo("tools/call merge_pull_request");
        assertThat(server.getAttributes().get(OUTCOME)).isEqualTo("deny");
        assertThat(server.getAttributes().get(ERROR_TYPE)).isEqualTo("-32001");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("mcp.policy.revision")))
                .isEqualTo("rev-3");
        assertThat(server.getAttributes().get(AttributeKey.stringArrayKey("mcp.policy.reasons")))
                .containsExactly("viewers may not merge");
        assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @Test
    void a_forwarded_message_gets_a_client_span_with_exactly_the_ids_put_on_the_wire() throws Exception {
        DecodedBody body = call("get_repository");
        ExchangeLog log = log(HttpMethod.POST, null).subject(ALICE);
        log.body(body);
        log.decided(verdict(body, true));
        HopContext hop = new HopContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
        log.forwarded(List.of(hop));
        log.responded(200);
        log.answered(new ServerAnswer("1", null, true, null));

        log.completed();

        SpanData server = only(SpanKind.SERVER);
        SpanData client = only(SpanKind.CLIENT);
        assertThat(server.getTraceId())
                .as("a new trace starts with the hop's trace id")
                .isEqualTo(hop.traceId());
        assertThat(client.getSpanId()).isEqualTo(hop.spanId());
        assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(server.getAttributes().get(OUTCOME)).isEqualTo("allow");
        assertThat(server.getAttributes().get(ERROR_TYPE)).isEqualTo("tool_error");
        assertThat(client.getAttributes().get(ERROR_TYPE)).isEqualTo("tool_error");
        assertThat(client.getAttributes().get(AttributeKey.longKey("server.port")))
                .isEqualTo(8080L);
    }

    @Test
    void a_message_continues_the_clients_trace_and_a_client_leaving_mid_answer_is_abandoned() throws Exception {
        String trace = "0af7651916cd43dd8448eb211c80319c";
        DecodedBody body = call("get_repository");
        ExchangeLog log =
                log(HttpMethod.POST, "00-" + trace + "-b7ad6b7169203331-01").subject(ALICE);
        log.body(body);
        log.decided(verdict(body, true));
        log.forwarded(List.of(new HopContext(trace, "1111111111111111")));

        log.interrupted(true);

        SpanData server = only(SpanKind.SERVER);
        assertThat(server.getTraceId()).isEqualTo(trace);
        assertThat(server.getParentSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(server.getAttributes().get(OUTCOME)).isEqualTo("abandoned");
        assertThat(only(SpanKind.CLIENT).getAttributes().get(ERROR_TYPE)).isEqualTo("client_disconnected");
    }

    @Test
    void a_request_refused_before_its_body_is_one_request_span_with_the_http_status() {
        ExchangeLog log = log(HttpMethod.POST, null);

        log.refused(Outcome.UNAUTHENTICATED, 401, ErrorCode.AUTHENTICATION_REQUIRED, "a Bearer token is required");

        SpanData span = only(SpanKind.SERVER);
        assertThat(span.getName()).isEqualTo("POST /mcp");
        assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                .isEqualTo(401L);
        assertThat(span.getAttributes().get(OUTCOME)).isEqualTo("unauthenticated");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("mcp.policy.reason")))
                .isEqualTo("a Bearer token is required");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/mcp");
    }

    @Test
    void a_get_stream_the_client_closed_ended_normally() {
        ExchangeLog log = log(HttpMethod.GET, null).subject(ALICE);
        log.responded(200);

        log.interrupted(true);

        SpanData span = only(SpanKind.SERVER);
        assertThat(span.getName()).isEqualTo("GET /mcp");
        assertThat(span.getAttributes().get(OUTCOME)).isEqualTo("allow");
        assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                .isEqualTo(200L);
    }

    @Test
    void a_log_without_an_ending_leaves_nothing() {
        log(HttpMethod.GET, null).subject(ALICE);

        assertThat(exported.getFinishedSpanItems()).isEmpty();
    }
}
