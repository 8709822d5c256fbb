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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
        StandInCollector collectorAway = new StandInCollector(); // never up: refuses everything
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

    @Test
    void after_the_file_being_read_was_dropped_for_room_the_spool_drains_again(@TempDir Path dir) throws Exception {
        // The drainer holds the oldest file's first batch while the collector is away; filling the spool then drops
        // that very file. disk-buffering's reader failed on it ever after, so nothing more was sent until a restart.
        StandInCollector collector = new StandInCollector();
        String filler = "x".repeat(8 * 1024);
        try (SpoolDirectory spool = SpoolDirectory.open(dir.resolve("spool"), BOUND)) {
            SpanSpool exporter = new SpanSpool(collector, spool);
            SdkTracerProvider tracing = SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build();
            Tracer tracer = tracing.get("spool-bound-test");
            tracer.spanBuilder("first").startSpan().end();
            Thread.sleep(2_000); // the first file becomes readable and the drainer holds its batch
            for (int i = 0; i < 400; i++) {
                tracer.spanBuilder("filler " + i)
                        .setAttribute("filler", filler)
                        .startSpan()
                        .end();
            }
            collector.up.set(true);
            for (int i = 0; i < 20; i++) {
                tracer.spanBuilder("after " + i).startSpan().end();
            }

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline
                    && collector.received.stream()
                                    .filter(n -> n.startsWith("after "))
                                    .count()
                            < 20) {
                Thread.sleep(200);
            }
            assertThat(collector.received)
                    .as("spans written after the collector returned")
                    .contains("after 0", "after 19");
            tracing.shutdown();
        }
    }

    /** A collector's stand-in: refuses every batch while down, keeps the names of the spans it took once up. */
    private static final class StandInCollector implements SpanExporter {
        final AtomicBoolean up = new AtomicBoolean(false);
        final Set<String> received = ConcurrentHashMap.newKeySet();

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            if (!up.get()) {
                return CompletableResultCode.ofFailure();
            }
            spans.forEach(span -> received.add(span.getName()));
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
