package io.mcpguard.proxy.audit;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The proxy's metrics, exported with the spans (OTLP, {@code OTEL_METRIC_EXPORT_INTERVAL}). Names follow the MCP
 * semantic conventions where there is one ({@code mcp.server.operation.duration}); the rest are ours, under {@code
 * mcp.policy.*} and {@code mcp.audit.*}. Recording is a few atomic updates, fine on an event loop.
 */
final class AuditMetrics {
    private static final List<Double> SECONDS_BUCKETS =
            List.of(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0);

    private final DoubleHistogram operationDuration;
    private final DoubleHistogram decisionDuration;
    private final LongCounter quotaRejections;

    AuditMetrics(Meter meter, LongSupplier spoolBytes) {
        this.operationDuration = meter.histogramBuilder("mcp.server.operation.duration")
                .setUnit("s")
                .setDescription("Time from receiving an MCP message to answering it (refusal) or relaying the answer")
                .setExplicitBucketBoundariesAdvice(SECONDS_BUCKETS)
                .build();
        this.decisionDuration = meter.histogramBuilder("mcp.policy.decision.duration")
                .setUnit("s")
                .setDescription("Time from receiving a body to having the policy's decision for every message in it")
                .setExplicitBucketBoundariesAdvice(SECONDS_BUCKETS)
                .build();
        this.quotaRejections = meter.counterBuilder("mcp.policy.quota.rejections")
                .setUnit("{message}")
                .setDescription("Messages refused because their quota was used up")
                .build();
        if (spoolBytes != null) {
            meter.gaugeBuilder("mcp.audit.spool.size")
                    .ofLongs()
                    .setUnit("By")
                    .setDescription("Bytes of audit spans waiting in the spool for the collector")
                    .buildWithCallback(gauge -> gauge.record(spoolBytes.getAsLong()));
        }
    }

    void operation(double seconds, String method, String tool, String outcome, String errorType) {
        AttributesBuilder attributes = Attributes.builder();
        put(attributes, AuditAttributes.MCP_METHOD_NAME, method);
        put(attributes, AuditAttributes.GEN_AI_TOOL_NAME, tool);
        put(attributes, AuditAttributes.POLICY_OUTCOME, outcome);
        put(attributes, AuditAttributes.ERROR_TYPE, errorType);
        operationDuration.record(seconds, attributes.build());
        if ("over_quota".equals(outcome)) {
            quotaRejections.add(
                    1, method == null ? Attributes.empty() : Attributes.of(AuditAttributes.MCP_METHOD_NAME, method));
        }
    }

    void decision(double seconds) {
        decisionDuration.record(seconds);
    }

    private static void put(AttributesBuilder attributes, AttributeKey<String> key, String value) {
        if (value != null) {
            attributes.put(key, value);
        }
    }
}
