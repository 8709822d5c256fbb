package io.mcpguard.proxy.audit;

import io.mcpguard.proxy.config.ProxyConfig;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the OpenTelemetry SDK of the audit trail with the SDK's own autoconfiguration: the {@code audit.*} keys
 * as defaults, the standard {@code OTEL_*} variables and {@code otel.*} properties over them, the disk spool in
 * front of the OTLP exporters, and two choices no variable can undo — every span is sampled, and span ids can be
 * preset ({@link PresetIds}).
 */
final class AuditSdk {
    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
    /** Every span recorded and exported, whatever the parent's sampled flag says. */
    private static final Sampler AUDIT_SAMPLER = Sampler.alwaysOn();

    private AuditSdk() {}

    /** @param spool where spans and metrics wait for the collector, or null for memory only */
    static OpenTelemetrySdk build(ProxyConfig.Audit config, SpoolDirectory spool) {
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
        return AutoConfiguredOpenTelemetrySdk.builder()
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
    }
}
