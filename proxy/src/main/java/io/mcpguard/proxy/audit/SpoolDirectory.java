package io.mcpguard.proxy.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool directory ({@code audit.spool-dir}), taken whole by one proxy: spans under {@code spans/}, metrics under
 * {@code metrics/}, and {@value #LOCK_FILE}, an OS file lock held for the life of the process so two proxies never
 * drain and write the same files. Keeps the figures the spool's metrics report. Thread-safe.
 */
final class SpoolDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpoolDirectory.class);
    private static final String LOCK_FILE = "spool.lock";
    /** Metrics are small; they get this share of the bound (at most 32 MiB), spans the rest. */
    private static final long METRICS_SHARE_DIVISOR = 8;

    private static final long METRICS_MAX_BYTES = 32L * 1024 * 1024;

    private final Path root;
    private final long maxBytes;
    private final FileLock lock;
    private final AtomicLong timesFull = new AtomicLong();

    private SpoolDirectory(Path root, long maxBytes, FileLock lock) {
        this.root = root;
        this.maxBytes = maxBytes;
        this.lock = lock;
    }

    /**
     * Creates the directory, checks it is writable and locks it.
     *
     * @throws IllegalStateException naming the directory, what is wrong with it, and the keys that change it
     */
    static SpoolDirectory open(Path root, long maxBytes) {
        try {
            Files.createDirectories(root.resolve("spans"));
            Files.createDirectories(root.resolve("metrics"));
        } catch (IOException e) {
            throw new IllegalStateException(
                    "audit.spool-dir " + root + " cannot be created ("
                            + e.getClass().getSimpleName()
                            + "); set audit.spool-dir to a writable directory, or audit.spool to memory to keep"
                            + " spans in memory only",
                    e);
        }
        if (!Files.isWritable(root) || !Files.isWritable(root.resolve("spans"))) {
            throw new IllegalStateException("audit.spool-dir " + root + " is not writable; set audit.spool-dir to a"
                    + " writable directory, or audit.spool to memory to keep spans in memory only");
        }
        try {
            FileChannel channel =
                    FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("audit.spool-dir " + root + " is in use by another proxy (it holds "
                        + root.resolve(LOCK_FILE) + "); give each proxy its own spool directory");
            }
            return new SpoolDirectory(root, maxBytes, lock);
        } catch (IOException e) {
            throw new IllegalStateException("audit.spool-dir " + root + ": cannot lock " + LOCK_FILE, e);
        }
    }

    Path spans() {
        return root.resolve("spans");
    }

    Path metrics() {
        return root.resolve("metrics");
    }

    long metricsMaxBytes() {
        return Math.min(METRICS_MAX_BYTES, maxBytes / METRICS_SHARE_DIVISOR);
    }

    long spansMaxBytes() {
        return maxBytes - metricsMaxBytes();
    }

    long maxBytes() {
        return maxBytes;
    }

    /** Bytes spooled now (spans and metrics); costs a directory listing. */
    long bytes() {
        return bytes(root);
    }

    /** Bytes of spooled data under {@code folder}; costs a directory listing. */
    static long bytes(Path folder) {
        long total = 0;
        try (var files = Files.walk(folder)) {
            for (Iterator<Path> it = files.iterator(); it.hasNext(); ) {
                Path file = it.next();
                if (Files.isRegularFile(file) && !file.getFileName().toString().equals(LOCK_FILE)) {
                    total += Files.size(file);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return total; // a file deleted while walking: the next look counts again
        }
        return total;
    }

    /** Whether a file can be created in the directory now (a full or read-only volume cannot): for readiness. */
    boolean writable() {
        try {
            Path probe = Files.createTempFile(root, ".ready", ".tmp");
            Files.delete(probe);
            return true;
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    /** How often a spool in this directory reached its bound (each time it went from below to at it). */
    long timesFull() {
        return timesFull.get();
    }

    void reachedBound() {
        timesFull.incrementAndGet();
    }

    @Override
    public void close() {
        try {
            lock.release();
            lock.channel().close();
        } catch (IOException e) {
            log.atWarn().setCause(e).log("audit spool lock not released cleanly");
        }
    }
}
