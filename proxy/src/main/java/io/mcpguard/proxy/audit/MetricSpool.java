package io.mcpguard.proxy.audit;

import io.opentelemetry.contrib.disk.buffering.internal.serialization.deserializers.SignalDeserializer;
import io.opentelemetry.contrib.disk.buffering.internal.serialization.serializers.SignalSerializer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;

/**
 * The metric exporter the SDK's periodic reader sees: every export goes to the disk spool ({@link DiskSpool}) first,
 * then to the OTLP exporter, so a collector outage leaves no gap in the metrics either. The exporter's temporality
 * and aggregation choices are the OTLP exporter's own.
 */
final class MetricSpool implements MetricExporter {
    private final MetricExporter delegate;
    private final DiskSpool<MetricData> spool;

    MetricSpool(MetricExporter delegate, SpoolDirectory directory) {
        this.delegate = delegate;
        this.spool = new DiskSpool<>(
                "metrics",
                () -> DiskSpool.storage(
                        "metrics",
                        directory.metrics(),
                        directory.metricsMaxBytes(),
                        directory,
                        SignalSerializer.ofMetrics(),
                        SignalDeserializer.ofMetrics()),
                delegate::export,
                directory,
                directory.metrics(),
                directory.metricsMaxBytes());
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return delegate.getAggregationTemporality(instrumentType);
    }

    @Override
    public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
        return delegate.getDefaultAggregation(instrumentType);
    }

    @Override
    public MemoryMode getMemoryMode() {
        return MemoryMode.IMMUTABLE_DATA; // batches are kept past the export call
    }

    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
        return spool.write(metrics);
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess(); // written through already
    }

    @Override
    public CompletableResultCode shutdown() {
        spool.shutdown();
        return delegate.shutdown();
    }
}
