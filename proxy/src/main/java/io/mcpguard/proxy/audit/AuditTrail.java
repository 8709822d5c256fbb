package io.mcpguard.proxy.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.policy.Subject;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit stage: owns the OpenTelemetry SDK and starts the spans of each exchange ({@link ExchangeAudit}).
 *
 * <p>The SDK is configured by the SDK's own autoconfiguration, with the {@code audit.*} keys as defaults and the
 * standard {@code OTEL_*} environment variables and {@code otel.*} system properties over them, so an operator can
 * point the proxy at a collector the way they point any OpenTelemetry SDK. Spans are batched and exported over OTLP
 * by the SDK's {@code BatchSpanProcessor} on its own thread: starting and ending a span on an event loop only
 * records it in memory.
 *
 * <p>Only W3C Trace Context ({@code traceparent}, {@code tracestate}) is read from clients and passed on; baggage a
 * client sends is not propagated, since the proxy cannot vouch for it.
 */
public final class AuditTrail implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
    private static final String INSTRUMENTATION = "io.mcpguard.proxy";

    /** An audit trail that records nothing and passes trace headers through untouched. */
    public static final AuditTrail DISABLED = new AuditTrail(null, OpenTelemetry.noop(), null, null, null, null);

    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;
    private final SubjectPseudonyms pseudonyms;
    private final URI upstream;
    private final AuditMetrics metrics;
    private final BurstCounter denialBursts;
    private final TextMapPropagator propagator = W3CTraceContextPropagator.getInstance();

    private AuditTrail(
            OpenTelemetrySdk sdk,
            OpenTelemetry otel,
            SubjectPseudonyms pseudonyms,
            URI upstream,
            java.util.function.LongSupplier spoolBytes,
            BurstCounter denialBursts) {
        this.sdk = sdk;
        this.denialBursts = denialBursts;
        this.metrics = new AuditMetrics(otel.getMeter(INSTRUMENTATION), spoolBytes);
        this.tracer = otel.getTracer(INSTRUMENTATION);
        this.pseudonyms = pseudonyms == null ? new SubjectPseudonyms(null) : pseudonyms;
        this.upstream = upstream;
    }

    /**
     * The audit trail the config asks for: {@link #DISABLED} when {@code audit.enabled} is false.
     *
     * @param upstream the guarded server, named on the spans of the hop to it
     */
    public static AuditTrail start(ProxyConfig.Audit config, URI upstream) {
        if (!config.enabled()) {
            return DISABLED;
        }
        Map<String, String> defaults = Map.of(
                "otel.service.name", config.serviceName(),
                "otel.exporter.otlp.endpoint", config.otlpEndpoint().toString(),
                "otel.exporter.otlp.protocol", config.otlpProtocol(),
                "otel.traces.exporter", "otlp",
                "otel.metrics.exporter", "otlp",
                "otel.logs.exporter", "none",
                "otel.propagators", "tracecontext");
        java.util.concurrent.atomic.AtomicReference<SpanSpool> spool =
                new java.util.concurrent.atomic.AtomicReference<>();
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults)
                .addSpanExporterCustomizer((exporter, otelConfig) -> config.spoolDir() == null
                        ? exporter
                        : spool.updateAndGet(
                                none -> new SpanSpool(exporter, config.spoolDir(), config.spoolMaxBytes())))
                .disableShutdownHook() // ProxyServer.close() flushes and shuts down, after the last exchange
                .build()
                .getOpenTelemetrySdk();
        log.atInfo()
                .addKeyValue("otlp_endpoint", config.otlpEndpoint())
                .addKeyValue("otlp_protocol", config.otlpProtocol())
                .addKeyValue("subject_pseudonymised", config.subjectHashKey() != null)
                .addKeyValue("spool_dir", config.spoolDir())
                .log("audit trail on (OTEL_* variables override these)");
        SpanSpool spooled = spool.get();
        return new AuditTrail(
                sdk,
                sdk,
                new SubjectPseudonyms(config.subjectHashKey()),
                upstream,
                spooled == null ? null : spooled::spoolBytes,
                new BurstCounter(config.denialBurstThreshold(), config.denialBurstWindow()));
    }

    public boolean enabled() {
        return sdk != null;
    }

    /**
     * Starts one SERVER span per message of a decoded body. Each continues the trace the client named: the {@code
     * traceparent} in the message's {@code params._meta} (MCP SEP-414) when present, else the HTTP header's. When
     * both are present and differ, the span's parent is the {@code _meta} context and the HTTP one is a link.
     *
     * @param startEpochNanos when the request was received (its span covers decode, decision and forwarding)
     */
    public ExchangeAudit begin(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            DecodedBody body,
            Subject subject,
            long startEpochNanos) {
        if (!enabled()) {
            return ExchangeAudit.disabled(body);
        }
        Context fromHeaders = propagator.extract(Context.root(), request.headers(), HeaderGetter.INSTANCE);
        return new ExchangeAudit(this, ctx, request, body, subject, fromHeaders, startEpochNanos);
    }

    Context fromMeta(JsonNode params) {
        JsonNode meta = params == null ? null : params.get("_meta");
        if (meta == null || !meta.isObject() || !meta.has("traceparent")) {
            return null;
        }
        return propagator.extract(Context.root(), meta, MetaGetter.INSTANCE);
    }

    TextMapPropagator propagator() {
        return propagator;
    }

    Tracer tracer() {
        return tracer;
    }

    SubjectPseudonyms pseudonyms() {
        return pseudonyms;
    }

    BurstCounter denialBursts() {
        return denialBursts;
    }

    AuditMetrics metrics() {
        return metrics;
    }

    URI upstream() {
        return upstream;
    }

    /** Exports what is still buffered (waiting at most 10 s) and stops the SDK's threads. */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    private enum HeaderGetter implements TextMapGetter<HttpHeaders> {
        INSTANCE;

        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    }

    private enum MetaGetter implements TextMapGetter<JsonNode> {
        INSTANCE;

        @Override
        public Iterable<String> keys(JsonNode carrier) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = carrier.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            return names;
        }

        @Override
        public String get(JsonNode carrier, String key) {
            JsonNode value = carrier == null ? null : carrier.get(key);
            return value != null && value.isTextual() ? value.asText() : null;
        }
    }
}
