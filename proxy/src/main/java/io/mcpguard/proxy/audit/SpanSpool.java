package io.mcpguard.proxy.audit;

import io.opentelemetry.contrib.disk.buffering.internal.serialization.deserializers.SignalDeserializer;
import io.opentelemetry.contrib.disk.buffering.internal.serialization.serializers.SignalSerializer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;

/**
 * The span exporter the SDK's batch processor sees: every batch goes to the disk spool ({@link DiskSpool}) first,
 * and from there to the OTLP exporter, so no audit span is lost while the collector is away or across a restart.
 */
final class SpanSpool implements SpanExporter {
    private final SpanExporter delegate;
    private final DiskSpool<SpanData> spool;

    SpanSpool(SpanExporter delegate, SpoolDirectory directory) {
        this.delegate = delegate;
        this.spool = new DiskSpool<>(
                "spans",
                () -> DiskSpool.storage(
                        "spans",
                        directory.spans(),
                        directory.spansMaxBytes(),
                        directory,
                        SignalSerializer.ofSpans(),
                        SignalDeserializer.ofSpans()),
                delegate::export,
                directory,
                directory.spans(),
                directory.spansMaxBytes());
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        return spool.write(spans);
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess(); // written through already
    }

    /** Stops draining; what is spooled stays on disk for the next start. */
    @Override
    public CompletableResultCode shutdown() {
        spool.shutdown();
        return delegate.shutdown();
    }
}
