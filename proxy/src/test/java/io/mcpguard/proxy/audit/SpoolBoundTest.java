package io.mcpguard.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.LogCapture;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Path;
import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool's bound, on the real disk storage: with the collector away (an exporter that refuses everything), the
 * spool fills up to its bound and no further, the oldest data makes room, and reaching the bound is one WARN line
 * ({@code audit.spool_full}) and one count for the {@code mcp.audit.spool.full} metric.
 */
class SpoolBoundTest {
    private static final long BOUND = 1024 * 1024;

    @Test
    void a_full_spool_stays_within_its_bound_says_so_once_and_counts_it(@TempDir Path dir) throws Exception {
        SpanExporter collectorAway = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                return CompletableResultCode.ofFailure();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        String filler = "x".repeat(8 * 1024);
        try (SpoolDirectory spool = SpoolDirectory.open(dir.resolve("spool"), BOUND);
                LogCapture logs = new LogCapture()) {
            SpanSpool exporter = new SpanSpool(collectorAway, spool);
            SdkTracerProvider tracing = SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build();
            Tracer tracer = tracing.get("spool-bound-test");
            long written = 0;
            for (int i = 0; i < 400; i++) { // about 3.2 MiB of spans into a 1 MiB spool
                tracer.spanBuilder("span " + i)
                        .setAttribute("filler", filler)
                        .startSpan()
                        .end();
                written += filler.length();
                assertThat(spool.bytes()).as("after %d bytes", written).isLessThanOrEqualTo(BOUND);
            }

            assertThat(spool.bytes()).isGreaterThan(BOUND / 2);
            assertThat(spool.timesFull()).isEqualTo(1);
            assertThat(logs.lines())
                    .filteredOn(l -> l.text().contains("event.name=audit.spool_full"))
                    .singleElement()
                    .satisfies(l -> assertThat(l.level()).isEqualTo("WARN"));
            tracing.shutdown();
        }
    }
}
