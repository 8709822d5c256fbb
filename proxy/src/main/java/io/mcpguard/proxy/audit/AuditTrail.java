package io.mcpguard.proxy.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.mask.ClientText;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.mask.MaskedSnapshots;
import io.mcpguard.proxy.policy.CachingPolicyEngine;
import io.mcpguard.proxy.policy.PolicyEngine;
import io.mcpguard.proxy.policy.Subject;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.trace.samplers.Sampler;
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
    /** Every span recorded and exported, whatever the parent's sampled flag says. */
    private static final Sampler AUDIT_SAMPLER = Sampler.alwaysOn();

    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;
    private final SubjectPseudonyms pseudonyms;
    private final URI upstream;
    private final String mcpPath;
    private final AuditMetrics metrics;
    private final SpoolDirectory spool;
    private final BurstCounter denialBursts;
    private final BurstCounter authFailureBursts;
    private final BurstCounter maskingSpikes;
    private final MaskedSnapshots snapshots;
    private final ClientText clientText;
    private final boolean recordsToolCalls;
    private final TextMapPropagator propagator = W3CTraceContextPropagator.getInstance();

    private AuditTrail(
            OpenTelemetrySdk sdk,
            OpenTelemetry otel,
            SubjectPseudonyms pseudonyms,
            URI upstream,
            SpoolDirectory spool,
            String mcpPath,
            MaskedSnapshots snapshots,
            ClientText clientText,
            ProxyConfig.Audit config) {
        this.sdk = sdk;
        this.metrics = new AuditMetrics(otel.getMeter(INSTRUMENTATION), spool);
        this.spool = spool;
        this.tracer = otel.getTracer(INSTRUMENTATION);
        this.pseudonyms = pseudonyms == null ? new SubjectPseudonyms(null) : pseudonyms;
        this.upstream = upstream;
        this.mcpPath = mcpPath;
        this.snapshots = snapshots;
        this.clientText = clientText;
        this.recordsToolCalls = config.recordToolCalls() && snapshots != null;
        this.denialBursts = new BurstCounter(config.denialBurstThreshold(), config.denialBurstWindow());
        this.authFailureBursts = new BurstCounter(config.authFailureBurstThreshold(), config.authFailureBurstWindow());
        this.maskingSpikes = new BurstCounter(config.maskingSpikeThreshold(), config.maskingSpikeWindow());
    }

    /**
     * The audit trail the config asks for. With {@code audit.enabled} false, nothing is recorded or exported, but the
     * security events are still counted and logged.
     *
     * @param upstream the guarded server, named on the spans of the hop to it
     * @param mcpPath the MCP endpoint's path, the route in the names of request spans
     * @param snapshots masks recorded tool arguments and results ({@code audit.record-tool-calls})
     * @param clientText cleans the names a client chose (methods, tools, ids) before they are recorded
     */
    public static AuditTrail start(
            ProxyConfig.Audit config, URI upstream, String mcpPath, MaskedSnapshots snapshots, ClientText clientText) {
        if (!config.enabled()) {
            log.atWarn()
                    .log("audit.enabled is false: no audit span is recorded or exported (security events are"
                            + " still logged)");
            return new AuditTrail(
                    null, OpenTelemetry.noop(), null, upstream, null, mcpPath, snapshots, clientText, config);
        }
        Map<String, String> defaults = Map.of(
                "otel.service.name", config.serviceName(),
                "otel.exporter.otlp.endpoint", config.otlpEndpoint().toString(),
                "otel.exporter.otlp.protocol", config.otlpProtocol(),
                "otel.traces.exporter", "otlp",
                "otel.metrics.exporter", "otlp",
                "otel.logs.exporter", "none",
                "otel.propagators", "tracecontext",
                // Room for bursts: a span the batch processor has no room for is dropped (the SDK logs it).
                "otel.bsp.max.queue.size", "8192");
        SpoolDirectory spool = config.spoolDir() == null
                ? null
                : SpoolDirectory.open(
                        config.spoolDir(), config.spoolMaxBytes(), config.spoolKeys(), config.spoolMaxAge());
        OpenTelemetrySdk sdk;
        try {
            sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    // Spans and metrics go to the disk spool first, then to the OTLP exporters.
                    .addSpanExporterCustomizer(
                            (exporter, otelConfig) -> spool == null ? exporter : new SpanSpool(exporter, spool))
                    .addMetricExporterCustomizer(
                            (exporter, otelConfig) -> spool == null ? exporter : new MetricSpool(exporter, spool))
                    // An audit trail records every message. A sampler would drop some; the default one follows the
                    // client's traceparent, so a client sending "not sampled" would silence its own trail.
                    .addSamplerCustomizer((configured, otelConfig) -> {
                        if (!configured.getDescription().equals(AUDIT_SAMPLER.getDescription())
                                && otelConfig.getString("otel.traces.sampler") != null) {
                            log.atWarn()
                                    .addKeyValue("configured", configured.getDescription())
                                    .log("OTEL_TRACES_SAMPLER is ignored: the audit trail records every message");
                        }
                        return AUDIT_SAMPLER;
                    })
                    .disableShutdownHook() // ProxyServer.close() flushes and shuts down, after the last exchange
                    .build()
                    .getOpenTelemetrySdk();
        } catch (RuntimeException e) {
            if (spool != null) {
                spool.close();
            }
            throw e;
        }
        log.atInfo()
                .addKeyValue("otlp_endpoint", config.otlpEndpoint())
                .addKeyValue("otlp_protocol", config.otlpProtocol())
                .addKeyValue("subject_pseudonymised", config.subjectHashKey() != null)
                .addKeyValue("spool_dir", config.spoolDir())
                .addKeyValue("spool_encrypted", !config.spoolKeys().isEmpty())
                .addKeyValue("record_tool_calls", config.recordToolCalls())
                .log("audit trail on (OTEL_* variables override these)");
        if (config.spoolDir() == null) {
            log.atWarn()
                    .log("audit.spool is memory: audit spans wait in memory only and are lost if the proxy stops"
                            + " while the collector is away");
        }
        return new AuditTrail(
                sdk,
                sdk,
                new SubjectPseudonyms(config.subjectHashKey()),
                upstream,
                spool,
                mcpPath,
                snapshots,
                clientText,
                config);
    }

    /** The policy engine, measured ({@code mcp.policy.opa.duration}) when the trail is on. */
    public PolicyEngine measured(PolicyEngine engine) {
        return enabled() ? new TimedPolicyEngine(engine, metrics.opaDuration()) : engine;
    }

    /** Exports the decision cache's hits and misses as {@code mcp.policy.cache.lookups}. */
    public void watchDecisionCache(CachingPolicyEngine cache) {
        if (enabled()) {
            metrics.decisionCache(cache::hits, cache::misses);
        }
    }

    /** The proxy's meter, for a component outside this package that exports its own figures (quota store). */
    public io.opentelemetry.api.metrics.Meter meter() {
        return metrics.meter();
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

    /**
     * Starts the span of an HTTP request that carries no decided MCP message (see {@link RequestAudit}); its parent
     * is the request's {@code traceparent} header, when it has one.
     */
    public RequestAudit request(ChannelHandlerContext ctx, HttpRequest request) {
        Context parent = enabled()
                ? propagator.extract(Context.root(), request.headers(), HeaderGetter.INSTANCE)
                : Context.root();
        return new RequestAudit(this, ctx, request, parent, mcpPath);
    }

    /**
     * Counts a failed authentication from {@code clientAddress} and raises {@code
     * security.authentication_failure_burst} on {@code audit}'s span when it makes a burst.
     */
    public void authenticationFailed(RequestAudit audit, String clientAddress) {
        int failures = authFailureBursts.count(clientAddress, System.nanoTime());
        if (failures > 0) {
            // Many failures from one address: credential guessing, or a client with a broken or revoked credential.
            audit.securityEvent(
                    SecurityEvents.AUTHENTICATION_FAILURE_BURST,
                    "repeated authentication failures from one address",
                    RequestAudit.fields(
                            "client.address",
                            clientAddress,
                            "failures",
                            failures,
                            "window_s",
                            authFailureBursts.windowSeconds()));
        }
    }

    /** Counts what was masked for one subject and raises {@code security.masking_spike} when it makes a spike. */
    void maskingSpike(Span span, String subjectRecorded, MaskCounts counts) {
        int masked = maskingSpikes.count(subjectRecorded, System.nanoTime(), counts.total());
        if (masked > 0) {
            SecurityEvents.raise(
                    this,
                    span,
                    SecurityEvents.MASKING_SPIKE,
                    "many masked values in the answers to one subject",
                    RequestAudit.fields(
                            AuditAttributes.SUBJECT_ID.getKey(),
                            subjectRecorded,
                            "mcp.policy.masked.total",
                            masked,
                            "mcp.policy.window_s",
                            maskingSpikes.windowSeconds()));
        }
    }

    /** Whether tool arguments and results are recorded on the spans (opt-in, masked). */
    public boolean recordsToolCalls() {
        return recordsToolCalls;
    }

    /** Cleans a value the client chose (see {@link ClientText}) before a span, metric or log line keeps it. */
    public ClientText clientText() {
        return clientText;
    }

    MaskedSnapshots snapshots() {
        return snapshots;
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

    /**
     * A subject id as the trail records it, for the proxy's log lines too: the pseudonym when a subject hash key is
     * set (a log that named users in clear would undo it), else the id.
     */
    public String subjectIdAsRecorded(String subjectId) {
        return pseudonyms.of(subjectId);
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
        if (spool != null) {
            spool.close(); // after the SDK: its last export went to the spool
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
