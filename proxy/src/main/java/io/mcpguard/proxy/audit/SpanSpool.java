package io.mcpguard.proxy.audit;

import io.opentelemetry.contrib.disk.buffering.storage.impl.FileSpanStorage;
import io.opentelemetry.contrib.disk.buffering.storage.impl.FileStorageConfiguration;
import io.opentelemetry.contrib.disk.buffering.storage.result.WriteResult;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A write-ahead spool between the SDK's batch processor and the OTLP exporter, so no audit span is lost while the
 * collector is away or across a restart of the proxy.
 *
 * <p>Every batch the processor hands over is appended to files under the spool directory first (opentelemetry-java
 * -contrib's disk buffering: one file per second, each batch a length-prefixed protobuf record, written unbuffered so
 * a crashed process loses nothing it wrote). A drainer thread reads the files oldest first and sends each batch to
 * the collector; a batch is deleted only after the collector took it, and the drainer keeps retrying the same batch
 * until it does. Delivery is therefore at least once: a proxy killed between a successful send and the deletion sends
 * that batch again.
 *
 * <p>The spool is bounded ({@code maxBytes}); when a write would pass the bound, the oldest file is dropped by the
 * storage and a WARN line with {@code event.name=audit.spool_full} says so. Nothing here runs on an event loop.
 */
final class SpanSpool implements SpanExporter {
    private static final Logger log = LoggerFactory.getLogger(SpanSpool.class);
    /** A file takes writes for this long, and is read no sooner than {@link #READ_AFTER}: the delivery delay. */
    private static final long WRITE_FOR_MILLIS = 1_000;

    private static final long READ_AFTER = 1_100;
    private static final long KEEP_FOR_MILLIS = TimeUnit.DAYS.toMillis(7);
    private static final int MAX_FILE_BYTES = 1024 * 1024;

    /** The spooled batches live here, under the spool directory; the lock file beside them. */
    private static final String SPANS = "spans";

    private static final String LOCK_FILE = "spool.lock";

    private final SpanExporter delegate;
    private final FileLock lock;
    private final FileSpanStorage storage;
    private final Path folder;
    private final long maxBytes;
    private final ScheduledExecutorService drainer;
    private Collection<SpanData> inFlight; // drainer thread only: read from disk, not yet accepted by the collector
    private long retryAtNanos;
    private volatile boolean full;
    private final java.util.concurrent.atomic.AtomicLong timesFull = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Takes the spool directory for this process: creates it, checks it is writable, and locks it ({@value
     * #LOCK_FILE}), so two proxies never drain and write the same files.
     *
     * @throws IllegalStateException naming the directory and what is wrong with it
     */
    static FileLock lock(Path dir) {
        try {
            Files.createDirectories(dir.resolve(SPANS));
        } catch (IOException e) {
            throw new IllegalStateException(
                    "audit.spool-dir " + dir + " cannot be created ("
                            + e.getClass().getSimpleName()
                            + "); set audit.spool-dir to a writable directory, or audit.spool to memory to keep spans in memory only",
                    e);
        }
        if (!Files.isWritable(dir) || !Files.isWritable(dir.resolve(SPANS))) {
            throw new IllegalStateException("audit.spool-dir " + dir + " is not writable; set audit.spool-dir to a"
                    + " writable directory, or audit.spool to memory to keep spans in memory only");
        }
        try {
            FileChannel channel =
                    FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("audit.spool-dir " + dir + " is in use by another proxy (it holds "
                        + dir.resolve(LOCK_FILE) + "); give each proxy its own spool directory");
            }
            return lock;
        } catch (IOException e) {
            throw new IllegalStateException("audit.spool-dir " + dir + ": cannot lock " + LOCK_FILE, e);
        }
    }

    /** @param lock from {@link #lock(Path)}: held until {@link #shutdown()} */
    SpanSpool(SpanExporter delegate, Path dir, long maxBytes, FileLock lock) {
        this.delegate = delegate;
        this.maxBytes = maxBytes;
        this.lock = lock;
        dir = dir.resolve(SPANS);
        FileStorageConfiguration configuration = FileStorageConfiguration.builder()
                .setMaxFileSize((int) Math.min(MAX_FILE_BYTES, maxBytes))
                .setMaxFolderSize((int) Math.min(Integer.MAX_VALUE, maxBytes))
                .setMaxFileAgeForWriteMillis(WRITE_FOR_MILLIS)
                .setMinFileAgeForReadMillis(READ_AFTER)
                .setMaxFileAgeForReadMillis(KEEP_FOR_MILLIS)
                .build();
        File root = dir.toFile();
        this.storage = FileSpanStorage.create(root, configuration);
        this.folder = dir;
        this.drainer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "mcpguard-audit-spool");
            thread.setDaemon(true);
            return thread;
        });
        drainer.scheduleWithFixedDelay(this::drain, 200, 200, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        long size = spoolBytes();
        if (size >= maxBytes * 9 / 10) {
            if (!full) {
                timesFull.incrementAndGet();
                log.atWarn()
                        .addKeyValue("event.name", "audit.spool_full")
                        .addKeyValue("spool_bytes", size)
                        .addKeyValue("max_bytes", maxBytes)
                        .log("audit spool at its bound: the oldest spooled spans are dropped to make room");
            }
            full = true;
        } else {
            full = false;
        }
        WriteResult result;
        try {
            result = storage.write(spans).join();
        } catch (RuntimeException | LinkageError e) { // never let the SDK's export thread die
            result = WriteResult.error(e);
        }
        if (!result.isSuccessful()) {
            log.atWarn()
                    .addKeyValue("event.name", "audit.spool_write_failed")
                    .addKeyValue("spans", spans.size())
                    .setCause(result.getError())
                    .log("audit spans could not be spooled");
            return CompletableResultCode.ofFailure();
        }
        return CompletableResultCode.ofSuccess();
    }

    long maxBytes() {
        return maxBytes;
    }

    /** How often the spool reached its bound (each time it went from below to at it). */
    long timesFull() {
        return timesFull.get();
    }

    /** Bytes in the spool directory now; costs a directory listing. */
    long spoolBytes() {
        long total = 0;
        try (var files = Files.walk(folder)) {
            for (Iterator<Path> it = files.iterator(); it.hasNext(); ) {
                Path file = it.next();
                if (Files.isRegularFile(file)) {
                    total += Files.size(file);
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            return total; // a file deleted while walking: the next look counts again
        }
        return total;
    }

    /** Sends spooled batches oldest first until the spool is empty or the collector refuses. */
    private void drain() {
        try {
            if (System.nanoTime() < retryAtNanos) {
                return;
            }
            Iterator<Collection<SpanData>> batches = storage.iterator();
            while (true) {
                if (inFlight == null) {
                    // hasNext() deletes the batch sent before: only once the collector took it
                    if (!batches.hasNext()) {
                        return;
                    }
                    inFlight = batches.next();
                    if (inFlight == null) {
                        return;
                    }
                }
                CompletableResultCode sent = delegate.export(inFlight).join(30, TimeUnit.SECONDS);
                if (!sent.isSuccess()) {
                    retryAtNanos = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                    log.atDebug().addKeyValue("spans", inFlight.size()).log("collector refused; spans stay spooled");
                    return;
                }
                inFlight = null;
            }
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).log("audit spool drain failed; retrying");
        }
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess(); // written through already
    }

    /** Stops draining; what is spooled stays on disk for the next start. */
    @Override
    public CompletableResultCode shutdown() {
        drainer.shutdown();
        try {
            drainer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            storage.close();
        } catch (IOException e) {
            log.atWarn().setCause(e).log("audit spool did not close cleanly");
        }
        try {
            lock.release();
            lock.channel().close();
        } catch (IOException e) {
            log.atWarn().setCause(e).log("audit spool lock not released cleanly");
        }
        return delegate.shutdown();
    }
}
