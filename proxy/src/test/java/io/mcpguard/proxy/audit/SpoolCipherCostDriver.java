package io.mcpguard.proxy.audit;

import io.mcpguard.proxy.config.ProxyConfig.SpoolKey;
import io.mcpguard.proxy.config.Secret;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.contrib.disk.buffering.internal.serialization.deserializers.SignalDeserializer;
import io.opentelemetry.contrib.disk.buffering.internal.serialization.serializers.SignalSerializer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Load driver: what encryption at rest adds on the audit path. For batches of {@code -Dspans} audit-like spans it
 * prints, in clear and sealed (AES-256-GCM): the time to serialize a batch (what the SDK's export thread spends
 * before the write), to open and deserialize it (the drainer), and a whole {@code SpanSpool.export} onto the real
 * disk storage, p50/p99 in µs per batch. In the package because the spool's classes are package-private.
 *
 * <p>Run: {@code scripts/bench-spool.sh [batches] [spans-per-batch]}.
 */
public final class SpoolCipherCostDriver {
    private SpoolCipherCostDriver() {}

    public static void main(String[] args) throws Exception {
        int batches = Integer.getInteger("batches", 2_000);
        int perBatch = Integer.getInteger("spans", 512);
        List<SpanData> batch = spans(perBatch);
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        List<SpoolKey> keys =
                List.of(new SpoolKey("bench", new Secret(Base64.getEncoder().encodeToString(raw))));
        SpoolCipher cipher = SpoolCipher.of(keys);
        SignalSerializer<SpanData> plain = SignalSerializer.ofSpans();
        SignalSerializer<SpanData> sealed = new SealedSerializer<>(SignalSerializer.ofSpans(), cipher, "spans");
        SignalDeserializer<SpanData> plainReader = SignalDeserializer.ofSpans();
        SignalDeserializer<SpanData> sealedReader =
                new SealedDeserializer<>(SignalDeserializer.ofSpans(), cipher, "spans");

        System.out.printf("%naudit spool, batches of %d spans, %d batches per figure%n", perBatch, batches);
        System.out.printf("%-28s %10s %10s %12s%n", "step", "p50 µs", "p99 µs", "bytes/batch");
        for (int round = 0; round < 2; round++) { // round 0 warms up
            boolean print = round == 1;
            Row plainWrite = serialize(plain, batch, batches);
            Row sealedWrite = serialize(sealed, batch, batches);
            Row plainRead = deserialize(plainReader, record(plain, batch), batches);
            Row sealedRead = deserialize(sealedReader, record(sealed, batch), batches);
            Row plainSpool = spool(List.of(), batch, batches);
            Row sealedSpool = spool(keys, batch, batches);
            if (print) {
                plainWrite.print("serialize, clear");
                sealedWrite.print("serialize + seal");
                plainRead.print("deserialize, clear");
                sealedRead.print("open + deserialize");
                plainSpool.print("SpanSpool.export, clear");
                sealedSpool.print("SpanSpool.export, sealed");
                System.out.printf(
                        "added by sealing: export p50 %+.1f µs per batch (%+.2f µs per span), drain p50 %+.1f µs%n",
                        sealedSpool.p50 - plainSpool.p50,
                        (sealedSpool.p50 - plainSpool.p50) / perBatch,
                        sealedRead.p50 - plainRead.p50);
            }
        }
    }

    private record Row(double p50, double p99, long bytes) {
        void print(String step) {
            System.out.printf("%-28s %10.1f %10.1f %12d%n", step, p50, p99, bytes);
        }
    }

    private static List<SpanData> spans(int count) {
        List<SpanData> spans = new ArrayList<>();
        SdkTracerProvider tracing = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(new Keeping(spans)))
                .build();
        Tracer tracer = tracing.get("bench");
        for (int i = 0; i < count; i++) {
            tracer.spanBuilder("tools/call get_repository")
                    .setAttribute("mcp.method.name", "tools/call")
                    .setAttribute("gen_ai.tool.name", "get_repository")
                    .setAttribute("mcp.policy.outcome", "allowed")
                    .setAttribute("mcp.policy.decision_id", "3f1c2a4e-5b6d-4e7f-8a9b-" + (100000000000L + i))
                    .setAttribute("enduser.id", "hmac:2b7e151628aed2a6abf7158809cf4f3c")
                    .startSpan()
                    .end();
        }
        tracing.shutdown();
        return spans;
    }

    private static byte[] record(SignalSerializer<SpanData> serializer, List<SpanData> batch) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        serializer.initialize(batch).writeBinaryTo(out);
        serializer.reset();
        byte[] delimited = out.toByteArray();
        return java.util.Arrays.copyOfRange(delimited, DelimitedRecords.prefixLength(delimited), delimited.length);
    }

    private static Row serialize(SignalSerializer<SpanData> serializer, List<SpanData> batch, int n) throws Exception {
        Histogram h = new Histogram(3);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            out.reset();
            long start = System.nanoTime();
            serializer.initialize(batch).writeBinaryTo(out);
            serializer.reset();
            h.recordValue(System.nanoTime() - start);
        }
        return new Row(h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, out.size());
    }

    private static Row deserialize(SignalDeserializer<SpanData> reader, byte[] record, int n) throws Exception {
        Histogram h = new Histogram(3);
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            if (reader.deserialize(record).isEmpty()) {
                throw new IllegalStateException("nothing read");
            }
            h.recordValue(System.nanoTime() - start);
        }
        return new Row(h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, record.length);
    }

    /** Whole exports onto the real disk storage, the collector away (so nothing is drained meanwhile). */
    private static Row spool(List<SpoolKey> keys, List<SpanData> batch, int n) throws Exception {
        Path dir = Files.createTempDirectory("spool-bench-");
        Histogram h = new Histogram(3);
        try (SpoolDirectory directory = SpoolDirectory.open(dir, 1L << 30, keys, Duration.ofDays(7))) {
            SpanSpool spool = new SpanSpool(new Keeping(null), directory);
            for (int i = 0; i < n; i++) {
                long start = System.nanoTime();
                if (!spool.export(batch).isSuccess()) {
                    throw new IllegalStateException("spool write failed");
                }
                h.recordValue(System.nanoTime() - start);
            }
            spool.shutdown();
            return new Row(h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, directory.bytes() / n);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Keeps spans (for building the batch), or refuses them all (a collector away) when given no list. */
    private static final class Keeping implements SpanExporter {
        private final List<SpanData> kept;

        Keeping(List<SpanData> kept) {
            this.kept = kept;
        }

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            if (kept == null) {
                return CompletableResultCode.ofFailure();
            }
            kept.addAll(spans);
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
