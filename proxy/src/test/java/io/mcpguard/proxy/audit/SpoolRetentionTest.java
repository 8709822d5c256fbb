package io.mcpguard.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.LogCapture;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool's bound in time ({@code audit.spool-max-age}): files older than it are dropped by the drainer, in one
 * WARN line with the counts ({@code audit.spool_expired}) and in the {@code mcp.audit.spool.expired} figures; younger
 * files stay.
 */
class SpoolRetentionTest {

    @Test
    void files_older_than_the_max_age_are_dropped_counted_and_logged_once_and_younger_ones_stay(@TempDir Path dir)
            throws Exception {
        Path root = dir.resolve("spool");
        Files.createDirectories(root.resolve("spans"));
        long now = System.currentTimeMillis();
        // Named as disk-buffering names its files: the epoch millisecond each was started.
        Path old1 =
                Files.write(root.resolve("spans/" + (now - Duration.ofHours(3).toMillis())), new byte[1000]);
        Path old2 =
                Files.write(root.resolve("spans/" + (now - Duration.ofHours(2).toMillis())), new byte[500]);
        Path young = Files.write(
                root.resolve("spans/" + (now - Duration.ofMinutes(30).toMillis())), new byte[0]);

        try (LogCapture logs = new LogCapture();
                SpoolDirectory directory = SpoolDirectory.open(root, 8 << 20, List.of(), Duration.ofHours(1))) {
            SpanSpool spool = new SpanSpool(new CollectorAway(), directory);
            var tracing = io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                    .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(spool))
                    .build();
            tracing.get("retention-test").spanBuilder("young").startSpan().end(); // spooled now: stays
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (directory.expiredFiles() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(1_500); // another sweep or two: nothing more to drop, nothing more to say
            tracing.shutdown();

            assertThat(old1).doesNotExist();
            assertThat(old2).doesNotExist();
            assertThat(directory.bytes()).as("the young span is still spooled").isPositive();
            assertThat(directory.expiredFiles()).isEqualTo(2);
            assertThat(directory.expiredBytes()).isEqualTo(1500);
            assertThat(logs.lines())
                    .filteredOn(l -> l.text().contains("audit.spool_expired"))
                    .singleElement()
                    .satisfies(l -> {
                        assertThat(l.level()).isEqualTo("WARN");
                        assertThat(l.text()).contains("files=2").contains("bytes=1500");
                    });
        }
    }

    private static final class CollectorAway implements SpanExporter {
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
    }
}
