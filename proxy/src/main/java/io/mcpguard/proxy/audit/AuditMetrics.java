package io.mcpguard.proxy.audit;

import io.mcpguard.proxy.mask.MaskCounts;
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

    private static final AttributeKey<String> MASKED_CLASS = AttributeKey.stringKey("mcp.policy.masked.class");
    private static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> EVENT_NAME = AttributeKey.stringKey("event.name");
    private static final AttributeKey<String> CACHE_RESULT = AttributeKey.stringKey("mcp.policy.cache.result");
    private static final Attributes HIT = Attributes.of(CACHE_RESULT, "hit");
    private static final Attributes MISS = Attributes.of(CACHE_RESULT, "miss");

    private final Meter meter;
    private final DoubleHistogram operationDuration;
    private final DoubleHistogram decisionDuration;
    private final DoubleHistogram opaDuration;
    private final LongCounter quotaRejections;
    private final LongCounter maskedItems;
    private final LongCounter hiddenItems;
    private final LongCounter securityEvents;
    private final LongCounter requests;
    private final LongCounter unrecordedUnauthenticated;

    AuditMetrics(Meter meter, SpoolDirectory spool) {
        this.meter = meter;
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
        this.opaDuration = meter.histogramBuilder("mcp.policy.opa.duration")
                .setUnit("s")
                .setDescription("Time OPA took to answer one decision request (cache misses only)")
                .setExplicitBucketBoundariesAdvice(SECONDS_BUCKETS)
                .build();
        this.quotaRejections = meter.counterBuilder("mcp.policy.quota.rejections")
                .setUnit("{message}")
                .setDescription("Messages refused because their quota was used up")
                .build();
        this.maskedItems = meter.counterBuilder("mcp.policy.masked.items")
                .setUnit("{item}")
                .setDescription("Spans of answers masked, by engine data class")
                .build();
        this.hiddenItems = meter.counterBuilder("mcp.policy.list.hidden")
                .setUnit("{item}")
                .setDescription("List items (tools, prompts, resources, resource templates) hidden from answers")
                .build();
        this.securityEvents = meter.counterBuilder("mcp.security.events")
                .setUnit("{event}")
                .setDescription("Security events (denial bursts, authentication failure bursts, masking spikes,"
                        + " session hijack attempts), by event name")
                .build();
        // Each event's series exists from the start, at 0: a series whose first sample is already 1 shows no
        // increase, and an alert on increase() would miss the first event of every process.
        for (String event : SecurityEvents.NAMES) {
            securityEvents.add(0, Attributes.of(EVENT_NAME, event));
        }
        for (io.mcpguard.proxy.mask.DataClass dataClass : io.mcpguard.proxy.mask.DataClass.values()) {
            maskedItems.add(0, Attributes.of(MASKED_CLASS, dataClass.wireName()));
        }
        this.requests = meter.counterBuilder("mcp.proxy.requests")
                .setUnit("{request}")
                .setDescription("HTTP requests without a decided MCP message: refused before or while decoding"
                        + " (authentication, session, Host/Origin, body limit, malformed), GET streams and DELETEs")
                .build();
        this.unrecordedUnauthenticated = meter.counterBuilder("mcp.audit.unauthenticated.unrecorded")
                .setUnit("{request}")
                .setDescription("Requests refused before authentication beyond their share of the trail"
                        + " (audit.unauthenticated.*): counted in mcp.proxy.requests, without a span")
                .build();
        if (spool != null) {
            meter.gaugeBuilder("mcp.audit.spool.size")
                    .ofLongs()
                    .setUnit("By")
                    .setDescription("Bytes of audit spans and metrics waiting in the spool for the collector")
                    .buildWithCallback(gauge -> gauge.record(spool.bytes()));
            meter.gaugeBuilder("mcp.audit.spool.limit")
                    .ofLongs()
                    .setUnit("By")
                    .setDescription("The spool's bound (audit.spool-max-bytes); past it the oldest data is dropped")
                    .buildWithCallback(gauge -> gauge.record(spool.maxBytes()));
            meter.counterBuilder("mcp.audit.spool.full")
                    .setUnit("{event}")
                    .setDescription("Times the spool reached its bound and began dropping its oldest data")
                    .buildWithCallback(counter -> counter.record(spool.timesFull()));
            meter.counterBuilder("mcp.audit.spool.expired")
                    .setUnit("By")
                    .setDescription("Bytes of audit data dropped from the spool undelivered for being older than"
                            + " audit.spool-max-age")
                    .buildWithCallback(counter -> counter.record(spool.expiredBytes()));
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

    Meter meter() {
        return meter;
    }

    DoubleHistogram opaDuration() {
        return opaDuration;
    }

    void decision(double seconds) {
        decisionDuration.record(seconds);
    }

    void masked(MaskCounts counts) {
        counts.byClass()
                .forEach((dataClass, n) -> maskedItems.add(n, Attributes.of(MASKED_CLASS, dataClass.wireName())));
    }

    void hidden(int items) {
        hiddenItems.add(items);
    }

    /** A request with no message the policy decided on (refused early, undecodable, a GET stream, a DELETE). */
    void request(String httpMethod, String outcome, String errorType) {
        AttributesBuilder attributes = Attributes.builder();
        put(attributes, HTTP_REQUEST_METHOD, httpMethod);
        put(attributes, AuditAttributes.POLICY_OUTCOME, outcome);
        put(attributes, AuditAttributes.ERROR_TYPE, errorType);
        requests.add(1, attributes.build());
    }

    void unrecorded(String outcome) {
        unrecordedUnauthenticated.add(1, Attributes.of(AuditAttributes.POLICY_OUTCOME, outcome));
    }

    void securityEvent(String name) {
        securityEvents.add(1, Attributes.of(EVENT_NAME, name));
    }

    /**
     * The decision cache's lookups as a monotonic counter, read from the cache's own tallies at each export, so a
     * hit costs nothing more than it did.
     */
    void decisionCache(LongSupplier hits, LongSupplier misses) {
        meter.counterBuilder("mcp.policy.cache.lookups")
                .setUnit("{lookup}")
                .setDescription("Policy decisions looked up in the decision cache, by result (hit or miss)")
                .buildWithCallback(counter -> {
                    counter.record(hits.getAsLong(), HIT);
                    counter.record(misses.getAsLong(), MISS);
                });
    }

    private static void put(AttributesBuilder attributes, AttributeKey<String> key, String value) {
        if (value != null) {
            attributes.put(key, value);
        }
    }
}
