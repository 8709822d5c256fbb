package io.mcpguard.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.config.ProxyConfig.SpoolKey;
import io.mcpguard.proxy.config.Secret;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encryption at rest of the audit spool, on the real disk-buffering storage: spans written while the collector is
 * away are on disk sealed (their text is not in the files), a later proxy with the key drains them intact, a rotated
 * key still opens old files, and every mismatch between the spool and the configured keys stops the start.
 */
class SpoolEncryptionTest {
    private static final Duration WEEK = Duration.ofDays(7);
    private static final String MARKER = "ticket-4711-contents-of-an-audit-span";

    private static SpoolKey key(String id) {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return new SpoolKey(id, new Secret(Base64.getEncoder().encodeToString(raw)));
    }

    /** Spools one span named {@link #MARKER} with the collector away, and stops the way a proxy stops. */
    private static void spoolOneSpanWhileCollectorIsAway(Path root, List<SpoolKey> keys) throws Exception {
        try (SpoolDirectory directory = SpoolDirectory.open(root, 8 << 20, keys, WEEK)) {
            SpanSpool spool = new SpanSpool(new Collecting(false), directory);
            SdkTracerProvider tracing = SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spool))
                    .build();
            tracing.get("spool-encryption-test")
                    .spanBuilder(MARKER)
                    .setAttribute("note", MARKER)
                    .startSpan()
                    .end();
            tracing.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    private static List<SpanData> drain(Path root, List<SpoolKey> keys) throws Exception {
        return drain(root, keys, 1);
    }

    /** Opens the spool with {@code keys} and waits until its drainer delivered {@code expected} spans. */
    private static List<SpanData> drain(Path root, List<SpoolKey> keys, int expected) throws Exception {
        Collecting collector = new Collecting(true);
        try (SpoolDirectory directory = SpoolDirectory.open(root, 8 << 20, keys, WEEK)) {
            SpanSpool spool = new SpanSpool(collector, directory);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (collector.spans.size() < expected && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            spool.shutdown();
        }
        return List.copyOf(collector.spans);
    }

    private static byte[] spooled(Path root) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        try (var files = Files.walk(root.resolve("spans"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file)) {
                    out.write(Files.readAllBytes(file));
                }
            }
        }
        return out.toByteArray();
    }

    @Test
    void spooled_spans_are_sealed_on_disk_and_a_proxy_with_the_key_delivers_them_intact(@TempDir Path dir)
            throws Exception {
        Path root = dir.resolve("spool");
        List<SpoolKey> keys = List.of(key("k1"));
        spoolOneSpanWhileCollectorIsAway(root, keys);

        byte[] onDisk = spooled(root);
        assertThat(onDisk).isNotEmpty();
        assertThat(new String(onDisk, StandardCharsets.ISO_8859_1)).doesNotContain(MARKER);

        List<SpanData> delivered = drain(root, keys);
        assertThat(delivered).extracting(SpanData::getName).containsExactly(MARKER);
    }

    @Test
    void a_rotated_key_still_opens_what_the_old_one_sealed_and_new_data_is_sealed_with_the_new_one(@TempDir Path dir)
            throws Exception {
        Path root = dir.resolve("spool");
        SpoolKey old = key("2026-11");
        SpoolKey current = key("2026-12");
        spoolOneSpanWhileCollectorIsAway(root, List.of(old));

        spoolOneSpanWhileCollectorIsAway(root, List.of(current, old));

        List<String> keyIds = new java.util.ArrayList<>();
        try (var files = Files.list(root.resolve("spans"))) {
            for (Path file : files.sorted().toList()) {
                keyIds.add(SpoolCipher.keyId(SpoolDirectory.firstRecord(file)));
            }
        }
        assertThat(keyIds).containsExactly("2026-11", "2026-12");
        List<SpanData> delivered = drain(root, List.of(current, old), 2);
        assertThat(delivered).extracting(SpanData::getName).containsExactly(MARKER, MARKER);
    }

    @Test
    void a_spool_written_in_clear_is_refused_by_a_proxy_configured_with_a_key(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("spool");
        spoolOneSpanWhileCollectorIsAway(root, List.of());

        assertThatThrownBy(() -> SpoolDirectory.open(root, 8 << 20, List.of(key("k1")), WEEK))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("written without encryption")
                .hasMessageContaining("audit.spool-key-file");
        // The refusal released the directory: a proxy without the key can still drain it.
        assertThat(drain(root, List.of())).extracting(SpanData::getName).containsExactly(MARKER);
    }

    @Test
    void an_encrypted_spool_is_refused_by_a_proxy_without_a_key(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("spool");
        spoolOneSpanWhileCollectorIsAway(root, List.of(key("k1")));

        assertThatThrownBy(() -> SpoolDirectory.open(root, 8 << 20, List.of(), WEEK))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds encrypted audit data")
                .hasMessageContaining("'k1'");
    }

    @Test
    void a_wrong_key_under_the_right_id_and_a_missing_old_key_are_errors_at_start(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("spool");
        SpoolKey right = key("k1");
        spoolOneSpanWhileCollectorIsAway(root, List.of(right));

        SpoolKey wrong = key("k1");
        assertThatThrownBy(() -> SpoolDirectory.open(root, 8 << 20, List.of(wrong), WEEK))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not open under the key listed as 'k1'")
                .hasMessageNotContaining(wrong.key().reveal())
                .hasMessageNotContaining(right.key().reveal());
        assertThatThrownBy(() -> SpoolDirectory.open(root, 8 << 20, List.of(key("k2")), WEEK))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("key id 'k1'")
                .hasMessageContaining("does not list");
        // Nothing was lost by the refusals: the right key still delivers it.
        assertThat(drain(root, List.of(right))).extracting(SpanData::getName).containsExactly(MARKER);
    }

    @Test
    void a_record_does_not_open_as_the_other_signal_nor_altered() throws Exception {
        SpoolCipher cipher = SpoolCipher.of(List.of(key("k1")));
        byte[] sealed = cipher.seal("payload".getBytes(StandardCharsets.UTF_8), "spans");

        assertThat(new String(cipher.open(sealed, "spans"), StandardCharsets.UTF_8))
                .isEqualTo("payload");
        assertThatThrownBy(() -> cipher.open(sealed, "metrics"))
                .isInstanceOf(java.security.GeneralSecurityException.class);
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> cipher.open(sealed, "spans"))
                .isInstanceOf(java.security.GeneralSecurityException.class);
    }

    /** An exporter standing for the collector: takes (and keeps) every batch, or refuses all while away. */
    private static final class Collecting implements SpanExporter {
        final List<SpanData> spans = new CopyOnWriteArrayList<>();
        private final boolean reachable;

        Collecting(boolean reachable) {
            this.reachable = reachable;
        }

        @Override
        public CompletableResultCode export(Collection<SpanData> batch) {
            if (!reachable) {
                return CompletableResultCode.ofFailure();
            }
            spans.addAll(batch);
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
