package io.mcpguard.proxy.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.ExchangeObserver;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.exchange.TraceContexts;
import io.mcpguard.proxy.mask.ClientText;
import io.mcpguard.proxy.mask.MaskedSnapshots;
import io.mcpguard.proxy.policy.CachingPolicyEngine;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.PolicyEngine;
import io.mcpguard.proxy.policy.ShadowVerdict;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
    private static final long SHADOW_WAIT_SECONDS = 10;
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
    private final SecurityWatch security;
    private final MaskedSnapshots snapshots;
    private final ClientText clientText;
    private final boolean recordsToolCalls;
    private final List<String> labelArguments;
    private final MessageSpans messageSpans;
    private final RequestSpan requestSpan;
    private final UnauthenticatedSpans unauthenticatedSpans;

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
        this.labelArguments = config.labelArguments();
        this.security = new SecurityWatch(this, config);
        this.messageSpans = new MessageSpans(this);
        this.requestSpan = new RequestSpan(this, mcpPath);
        ProxyConfig.UnauthenticatedSpans share = config.unauthenticated();
        this.unauthenticatedSpans = new UnauthenticatedSpans(
                share.perAddressPerMinute(),
                share.perSecond(),
                share.spoolPercent() / 100.0,
                spool == null ? () -> 0 : spool::spansFill);
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
        SpoolDirectory spool = config.spoolDir() == null
                ? null
                : SpoolDirectory.open(
                        config.spoolDir(), config.spoolMaxBytes(), config.spoolKeys(), config.spoolMaxAge());
        OpenTelemetrySdk sdk;
        try {
            sdk = AuditSdk.build(config, spool);
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
                recordAfterShadows(log);
            } else if (log.ending().outcome() == Outcome.INSUFFICIENT_SCOPE) {
                security.insufficientScope(log, pseudonyms.of(log.subject().id()), null);
            }
            return;
        }
        requestSpan.record(log);
    }

    /**
     * Writes the spans of an exchange once the shadow verdicts on its decisions are in, so a disagreement lands on
     * the message's span. Spans carry their own timestamps, so the wait changes nothing but when they are exported;
     * the candidate's OPA timeout ends it, and this bound in case nothing does. At most {@code
     * policy.shadow.max-concurrent} verdicts are pending, so few exchanges wait.
     */
    private void recordAfterShadows(ExchangeLog log) {
        List<CompletableFuture<ShadowVerdict>> pending = new ArrayList<>();
        if (log.verdict() != null) {
            for (GateVerdict.Outcome outcome : log.verdict().outcomes()) {
                Decision decision = outcome.decision();
                if (decision != null
                        && decision.shadow() != null
                        && !decision.shadow().isDone()) {
                    pending.add(decision.shadow());
                }
            }
        }
        if (pending.isEmpty()) {
            messageSpans.record(log);
            return;
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, SHADOW_WAIT_SECONDS, TimeUnit.SECONDS)
                .whenComplete((done, failure) -> messageSpans.record(log));
    }

    /** The tool-call arguments whose plain values label a message's span ({@code audit.label-arguments}). */
    List<String> labelArguments() {
        return labelArguments;
    }

    /** Which requests refused before authentication get a span. */
    UnauthenticatedSpans unauthenticatedSpans() {
        return unauthenticatedSpans;
    }

    /** The security events' detectors and lines (bursts, spikes, hijack attempts, missing scopes). */
    SecurityWatch security() {
        return security;
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
        SpanContext parent = enabled() ? TraceContexts.ofHeaders(traceparent, tracestate) : SpanContext.getInvalid();
        return parent.isValid() ? Context.root().with(Span.wrap(parent)) : Context.root();
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

    /** The context a message's {@code params._meta} names (MCP SEP-414), or null when it names none. */
    Context fromMeta(JsonNode params) {
        SpanContext parent = TraceContexts.ofMeta(params);
        return parent.isValid() ? Context.root().with(Span.wrap(parent)) : null;
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
}
