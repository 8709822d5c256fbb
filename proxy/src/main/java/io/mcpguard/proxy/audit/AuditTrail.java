package io.mcpguard.proxy.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.ExchangeObserver;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.mask.ClientText;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.mask.MaskedSnapshots;
import io.mcpguard.proxy.policy.CachingPolicyEngine;
import io.mcpguard.proxy.policy.PolicyEngine;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit stage: owns the OpenTelemetry SDK and records each exchange when it completes, from the facts the other
 * stages wrote to its {@link ExchangeLog} — the spans of its messages ({@link MessageSpans}) or of the request
 * ({@link RequestSpan}), the metrics and the security events. It observes; no stage calls it, and it changes no
 * byte of what the client or the server receives.
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
public final class AuditTrail implements ExchangeObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
    private static final String INSTRUMENTATION = "io.mcpguard.proxy";
    /** Every span recorded and exported, whatever the parent's sampled flag says. */
    private static final Sampler AUDIT_SAMPLER = Sampler.alwaysOn();

    private static final String SUBJECT_ID_KEY = AuditAttributes.SUBJECT_ID.getKey();
    /** Security lines the trail writes for the stages (they name subjects as the trail does: pseudonymised). */
    private static final Logger SESSION_LOG = LoggerFactory.getLogger("io.mcpguard.proxy.security");

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
    private final MessageSpans messageSpans;
    private final RequestSpan requestSpan;

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
        this.messageSpans = new MessageSpans(this);
        this.requestSpan = new RequestSpan(this, mcpPath);
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
                    // The forward stage chooses the hop's ids before the trail records its spans (see PresetIds).
                    .addTracerProviderCustomizer((builder, otelConfig) -> builder.setIdGenerator(new PresetIds()))
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

    /**
     * A trail over an SDK the caller built, with nothing spooled: for tests that read the spans from an in-memory
     * exporter. The SDK's tracer provider must use {@link PresetIds}.
     */
    static AuditTrail over(
            OpenTelemetrySdk sdk, ProxyConfig.Audit config, URI upstream, String mcpPath, ClientText clientText) {
        return new AuditTrail(
                sdk,
                sdk,
                new SubjectPseudonyms(config.subjectHashKey()),
                upstream,
                null,
                mcpPath,
                null,
                clientText,
                config);
    }

    /**
     * Completes when the spool can be written (or there is none: a memory spool), fails otherwise: for {@code
     * /readyz}. The file system is touched off the event loop.
     */
    public java.util.concurrent.CompletableFuture<Void> spoolWritable() {
        if (spool == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        return java.util.concurrent.CompletableFuture.supplyAsync(spool::writable)
                .thenAccept(writable -> {
                    if (!writable) {
                        throw new IllegalStateException("the audit spool directory is not writable");
                    }
                });
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
     * Records a completed exchange: the spans of its messages when it carried a decoded body, else the span of the
     * request when something happened to it worth recording (a refusal, a forward). A request answered without an
     * ending (a health probe, an unknown path) leaves nothing.
     */
    @Override
    public void exchangeCompleted(ExchangeLog log) {
        if (log.body() != null) {
            if (enabled()) {
                messageSpans.record(log);
            } else if (log.ending().outcome() == Outcome.INSUFFICIENT_SCOPE) {
                insufficientScope(log, pseudonyms.of(log.subject().id()), null);
            }
            return;
        }
        requestSpan.record(log);
    }

    /**
     * Counts a failed authentication from {@code clientAddress} and raises {@code
     * security.authentication_failure_burst} on {@code span} when it makes a burst.
     */
    void authenticationFailed(Span span, String clientAddress) {
        int failures = authFailureBursts.count(String.valueOf(clientAddress), System.nanoTime());
        if (failures > 0) {
            // Many failures from one address: credential guessing, or a client with a broken or revoked credential.
            SecurityEvents.raise(
                    this,
                    span,
                    SecurityEvents.AUTHENTICATION_FAILURE_BURST,
                    "repeated authentication failures from one address",
                    fields(
                            "client.address",
                            clientAddress,
                            "failures",
                            failures,
                            "window_s",
                            authFailureBursts.windowSeconds()));
        }
    }

    /**
     * A session refused: another subject's is {@code security.session_hijack_attempt} (a span event, a WARN and a
     * metric); an unknown or expired one an INFO line. Session ids appear as fingerprints only.
     */
    void sessionRefused(Span span, ExchangeLog log, String subjectRecorded) {
        ExchangeLog.SessionRefusal refusal = log.sessionRefusal();
        if (refusal.foreign()) {
            SecurityEvents.raise(
                    this,
                    span,
                    SecurityEvents.SESSION_HIJACK_ATTEMPT,
                    "session presented by a subject that did not create it; refused",
                    fields(
                            SUBJECT_ID_KEY,
                            subjectRecorded,
                            "mcp.policy.auth.method",
                            log.subject() == null
                                    ? null
                                    : String.valueOf(log.subject().authMethod()),
                            "session.id.sha256",
                            refusal.sessionFingerprint(),
                            "client.address",
                            log.clientAddress()));
        } else {
            SESSION_LOG
                    .atInfo()
                    .addKeyValue("event.name", "security.session_unknown")
                    .addKeyValue(SUBJECT_ID_KEY, subjectRecorded)
                    .addKeyValue("session.id.sha256", refusal.sessionFingerprint())
                    .log("session id not bound to this subject; refused");
        }
    }

    /** The INFO line of a request refused for a missing scope: the subject as recorded, the scopes it lacked. */
    void insufficientScope(ExchangeLog log, String subjectRecorded, MessageNames names) {
        Set<String> needed = log.scopesNeeded() == null ? Set.of() : log.scopesNeeded();
        var line = SESSION_LOG
                .atInfo()
                .addKeyValue("event.name", "security.insufficient_scope")
                .addKeyValue(SUBJECT_ID_KEY, subjectRecorded);
        if (names != null) {
            line = line.addKeyValue("mcp.method", names.method()).addKeyValue("gen_ai.tool.name", names.tool());
        }
        line.addKeyValue("scopes.needed", needed).log("request refused: insufficient scope");
    }

    /** Reports, once per window, a subject refused again and again: a span event, a WARN line and a metric. */
    void denialBurst(Span span, String subjectRecorded) {
        int denials = denialBursts.count(subjectRecorded, System.nanoTime());
        if (denials > 0) {
            SecurityEvents.raise(
                    this,
                    span,
                    SecurityEvents.DENIAL_BURST,
                    "burst of refusals for one subject",
                    fields(
                            SUBJECT_ID_KEY,
                            subjectRecorded,
                            "mcp.policy.denials",
                            denials,
                            "mcp.policy.window_s",
                            denialBursts.windowSeconds()));
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
                    fields(
                            SUBJECT_ID_KEY,
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
    ClientText clientText() {
        return clientText;
    }

    /** The trace context a request's {@code traceparent}/{@code tracestate} headers name (root when none). */
    Context fromHeaders(String traceparent, String tracestate) {
        if (!enabled() || traceparent == null) {
            return Context.root();
        }
        Map<String, String> carrier = tracestate == null
                ? Map.of("traceparent", traceparent)
                : Map.of("traceparent", traceparent, "tracestate", tracestate);
        return propagator.extract(Context.root(), carrier, MapGetter.INSTANCE);
    }

    static Map<String, Object> fields(Object... keyValues) {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            fields.put((String) keyValues[i], keyValues[i + 1]);
        }
        return fields;
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

    SubjectPseudonyms pseudonyms() {
        return pseudonyms;
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

    private enum MapGetter implements TextMapGetter<Map<String, String>> {
        INSTANCE;

        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
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
