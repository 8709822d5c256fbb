package io.mcpguard.proxy.audit;

import io.opentelemetry.contrib.disk.buffering.internal.serialization.deserializers.SignalDeserializer;
import io.opentelemetry.contrib.disk.buffering.internal.serialization.serializers.SignalSerializer;
import io.opentelemetry.contrib.disk.buffering.internal.storage.FileSignalStorage;
import io.opentelemetry.contrib.disk.buffering.internal.storage.FolderManager;
import io.opentelemetry.contrib.disk.buffering.internal.storage.Storage;
import io.opentelemetry.contrib.disk.buffering.storage.SignalStorage;
import io.opentelemetry.contrib.disk.buffering.storage.impl.FileStorageConfiguration;
import io.opentelemetry.contrib.disk.buffering.storage.result.WriteResult;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A write-ahead spool for one signal (spans or metrics) between the SDK and the OTLP exporter, so nothing is lost
 * while the collector is away or across a restart of the proxy.
 *
 * <p>Every batch the SDK hands over is appended to files first (opentelemetry-java-contrib's disk buffering: one file
 * per second, each batch a length-prefixed protobuf record, written unbuffered so a crashed process loses nothing it
 * wrote). A drainer thread reads the files oldest first and sends each batch; a batch is deleted only after the
 * collector took it, and the drainer keeps retrying the same batch until it does. Delivery is therefore at least
 * once: a proxy killed between a successful send and the deletion sends that batch again.
 *
 * <p>The spool is bounded; when a write would pass the bound, the storage drops the oldest file. Reaching 90 % of the
 * bound starts an episode, reported once (a WARN line with {@code event.name=audit.spool_full}, and the count behind
 * {@code mcp.audit.spool.full}); it ends when the spool drains below half. Nothing here runs on an event loop.
 *
 * <p>The spool is bounded in time too ({@code audit.spool-max-age}): the drainer deletes files older than that, says
 * how many files and bytes in one WARN line per sweep that dropped any ({@code event.name=audit.spool_expired}) and
 * counts them ({@code mcp.audit.spool.expired}). With encryption at rest on, records are sealed as they are written
 * ({@link SealedSerializer}) and opened as they are read ({@link SealedDeserializer}).
 */
final class DiskSpool<T> {
    private static final Logger log = LoggerFactory.getLogger(DiskSpool.class);
    /** A file takes writes for this long, and is read no sooner than {@link #READ_AFTER}: the delivery delay. */
    private static final long WRITE_FOR_MILLIS = 1_000;

    private static final long READ_AFTER = 1_100;
    /** The storage's own age limit is set past ours, so what it would drop silently the sweep drops first, logged. */
    private static final long STORAGE_AGE_MARGIN_MILLIS = TimeUnit.MINUTES.toMillis(1);

    private static final long SWEEP_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_FILE_BYTES = 1024 * 1024;
    private static final long REOPEN_AT_MOST_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String signal;
    private final Supplier<SignalStorage<T>> opener;
    /** Swapped by the drainer when its reader is stuck; writes and the swap hold the spool's lock. */
    private SignalStorage<T> storage;

    private long reopenedAtNanos; // drainer thread only
    private final Function<Collection<T>, CompletableResultCode> send;
    private final SpoolDirectory directory;
    private final Path folder;
    private final long maxBytes;
    private final ScheduledExecutorService drainer;
    private Collection<T> inFlight; // drainer thread only: read from disk, not yet accepted by the collector
    private long retryAtNanos;
    private volatile boolean full;
    private boolean undelivered; // drainer thread only
    private long sweptAtNanos; // the constructor, then the drainer thread only

    /**
     * @param signal {@code spans} or {@code metrics}, for log lines and the drainer's thread name
     * @param opener opens the file storage, made by {@link #storage} with {@code maxBytes} in {@code folder}
     * @param send hands one batch to the real exporter
     */
    DiskSpool(
            String signal,
            Supplier<SignalStorage<T>> opener,
            Function<Collection<T>, CompletableResultCode> send,
            SpoolDirectory directory,
            Path folder,
            long maxBytes) {
        this.signal = signal;
        this.folder = folder;
        this.maxBytes = maxBytes;
        this.opener = opener;
        this.storage = opener.get();
        this.send = send;
        this.directory = directory;
        this.drainer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "mcpguard-audit-spool-" + signal);
            thread.setDaemon(true);
            return thread;
        });
        // Before the first write or read: the storage would otherwise delete files long past their age on its own,
        // silently, as it looks for one to write or read (after a proxy was down for a while).
        dropExpired(System.currentTimeMillis());
        sweptAtNanos = System.nanoTime();
        drainer.scheduleWithFixedDelay(this::drain, 200, 200, TimeUnit.MILLISECONDS);
    }

    /**
     * The storage settings for a folder of at most {@code maxBytes}: files of at most an eighth of it, so dropping
     * the oldest file to make room drops a small part of what is spooled.
     */
    static FileStorageConfiguration configuration(long maxBytes, Duration maxAge) {
        return FileStorageConfiguration.builder()
                .setMaxFileSize((int) Math.min(MAX_FILE_BYTES, maxBytes / 8))
                .setMaxFolderSize((int) Math.min(Integer.MAX_VALUE, maxBytes))
                .setMaxFileAgeForWriteMillis(WRITE_FOR_MILLIS)
                .setMinFileAgeForReadMillis(READ_AFTER)
                .setMaxFileAgeForReadMillis(maxAge.toMillis() + STORAGE_AGE_MARGIN_MILLIS)
                .build();
    }

    /**
     * The file storage of one signal in {@code folder}: disk-buffering's, with its serializers wrapped in the
     * directory's cipher when encryption at rest is on.
     */
    static <T> SignalStorage<T> storage(
            String signal,
            Path folder,
            long maxBytes,
            SpoolDirectory directory,
            SignalSerializer<T> serializer,
            SignalDeserializer<T> deserializer) {
        SpoolCipher cipher = directory.cipher();
        Storage<T> files = new Storage<>(
                FolderManager.create(folder.toFile(), configuration(maxBytes, directory.maxAge()), Clock.getDefault()));
        return cipher == null
                ? new FileSignalStorage<>(files, serializer, deserializer)
                : new FileSignalStorage<>(
                        files,
                        new SealedSerializer<>(serializer, cipher, signal),
                        new SealedDeserializer<>(deserializer, cipher, signal));
    }

    /** Appends a batch to the spool; fails only when it cannot be written. */
    CompletableResultCode write(Collection<T> batch) {
        long size = SpoolDirectory.bytes(folder);
        directory.measured(signal, size, maxBytes);
        if (size >= maxBytes * 9 / 10) {
            if (!full) {
                directory.reachedBound();
                log.atWarn()
                        .addKeyValue("event.name", "audit.spool_full")
                        .addKeyValue("signal", signal)
                        .addKeyValue("spool_bytes", size)
                        .addKeyValue("max_bytes", maxBytes)
                        .log("audit spool at its bound: the oldest spooled data is dropped to make room");
            }
            full = true;
        } else if (size < maxBytes / 2) {
            // Once drained well below the bound (the collector is back): a later fill is a new episode. Between
            // the two marks the storage drops its oldest file again and again; that is one episode, one warning.
            full = false;
        }
        WriteResult result;
        try {
            synchronized (this) {
                result = storage.write(batch).join();
            }
        } catch (RuntimeException | LinkageError e) { // never let the SDK's export thread die
            result = WriteResult.error(e);
        }
        if (!result.isSuccessful()) {
            log.atWarn()
                    .addKeyValue("event.name", "audit.spool_write_failed")
                    .addKeyValue("signal", signal)
                    .addKeyValue("items", batch.size())
                    .setCause(result.getError())
                    .log("audit data could not be spooled");
            return CompletableResultCode.ofFailure();
        }
        return CompletableResultCode.ofSuccess();
    }

    /** Sends spooled batches oldest first until the spool is empty or the collector refuses. */
    private void drain() {
        boolean changed = false;
        try {
            if (System.nanoTime() - sweptAtNanos >= SWEEP_EVERY_NANOS) {
                sweptAtNanos = System.nanoTime();
                dropExpired(System.currentTimeMillis());
                changed = true;
            }
            if (System.nanoTime() < retryAtNanos) {
                return;
            }
            Iterator<Collection<T>> batches = storage.iterator();
            while (true) {
                if (inFlight == null) {
                    // hasNext() deletes the batch sent before: only once the collector took it
                    if (!batches.hasNext()) {
                        reopenIfStuck();
                        return;
                    }
                    inFlight = batches.next();
                    if (inFlight == null) {
                        return;
                    }
                    changed = true;
                }
                CompletableResultCode sent = send.apply(inFlight);
                // The exporter retries on its own for a while; an answer that long in coming is an outage too.
                if (!sent.join(5, TimeUnit.SECONDS).isDone()) {
                    collectorUnreachable();
                    sent.join(25, TimeUnit.SECONDS);
                }
                if (!sent.isSuccess()) {
                    retryAtNanos = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                    collectorUnreachable();
                    return;
                }
                if (undelivered) {
                    undelivered = false;
                    log.atInfo()
                            .addKeyValue("event.name", "audit.collector_reachable")
                            .addKeyValue("signal", signal)
                            .log("the collector takes audit data again; the spool drains");
                }
                inFlight = null;
            }
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("signal", signal).setCause(e).log("audit spool drain failed; retrying");
        } finally {
            if (changed) { // what the spool holds is read on event loops from this measure, never measured there
                directory.measured(signal, SpoolDirectory.bytes(folder), maxBytes);
            }
        }
    }

    /**
     * Deletes the files older than {@code audit.spool-max-age} (a file is named by the time it was started, in epoch
     * milliseconds) and reports what it dropped. The file being written is a second old at most, never among them.
     */
    void dropExpired(long nowMillis) {
        long cutoff = nowMillis - directory.maxAge().toMillis();
        long files = 0;
        long bytes = 0;
        long oldest = Long.MAX_VALUE;
        try (var listing = java.nio.file.Files.list(folder)) {
            for (Path file : (Iterable<Path>) listing::iterator) {
                long started = startedMillis(file);
                if (started < 0 || started >= cutoff) {
                    continue;
                }
                long size = java.nio.file.Files.size(file);
                if (java.nio.file.Files.deleteIfExists(file)) {
                    files++;
                    bytes += size;
                    oldest = Math.min(oldest, started);
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            log.atWarn().addKeyValue("signal", signal).setCause(e).log("audit spool retention sweep failed");
        }
        if (files > 0) {
            directory.expired(files, bytes);
            log.atWarn()
                    .addKeyValue("event.name", "audit.spool_expired")
                    .addKeyValue("signal", signal)
                    .addKeyValue("files", files)
                    .addKeyValue("bytes", bytes)
                    .addKeyValue("oldest_age_s", (nowMillis - oldest) / 1000)
                    .addKeyValue("max_age_s", directory.maxAge().toSeconds())
                    .log("audit data older than audit.spool-max-age dropped from the spool, never delivered");
        }
    }

    private static long startedMillis(Path file) {
        try {
            return Long.parseLong(file.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1; // not a spool file
        }
    }

    /**
     * Opens the storage afresh when its reader finds nothing although a file is old enough to read. The storage drops
     * its oldest file to make room when the spool is at its bound, and the sweep drops expired ones: when that file is
     * the one being read, disk-buffering's reader keeps failing on the closed file and never moves on, so nothing
     * more would be sent until a restart. A fresh storage lists the folder again.
     */
    private void reopenIfStuck() {
        long now = System.nanoTime();
        if (now - reopenedAtNanos < REOPEN_AT_MOST_EVERY_NANOS) {
            return;
        }
        long readableBefore = System.currentTimeMillis() - WRITE_FOR_MILLIS - READ_AFTER - 1_000;
        boolean readable;
        try (var listing = java.nio.file.Files.list(folder)) {
            readable = listing.anyMatch(file -> {
                long started = startedMillis(file);
                return started >= 0 && started < readableBefore;
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            return;
        }
        if (!readable) {
            return;
        }
        reopenedAtNanos = now;
        synchronized (this) {
            try {
                storage.close();
            } catch (IOException e) {
                log.atDebug().addKeyValue("signal", signal).setCause(e).log("closing a stuck audit spool storage");
            }
            storage = opener.get();
        }
        log.atWarn()
                .addKeyValue("event.name", "audit.spool_reopened")
                .addKeyValue("signal", signal)
                .log("audit spool reader found nothing in a folder holding readable files; storage reopened");
    }

    /** Says once per outage that data is piling up: the spool keeps everything meanwhile. */
    private void collectorUnreachable() {
        if (!undelivered) {
            undelivered = true;
            log.atWarn()
                    .addKeyValue("event.name", "audit.collector_unreachable")
                    .addKeyValue("signal", signal)
                    .addKeyValue("spool_bytes", SpoolDirectory.bytes(folder))
                    .log("the collector does not take audit data; it stays spooled and is retried");
        }
    }

    /** Stops draining; what is spooled stays on disk for the next start. */
    void shutdown() {
        drainer.shutdown();
        try {
            drainer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            synchronized (this) {
                storage.close();
            }
        } catch (IOException e) {
            log.atWarn().addKeyValue("signal", signal).setCause(e).log("audit spool did not close cleanly");
        }
    }
}
