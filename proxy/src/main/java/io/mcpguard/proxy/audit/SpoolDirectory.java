package io.mcpguard.proxy.audit;

import io.mcpguard.proxy.config.ProxyConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool directory ({@code audit.spool-dir}), taken whole by one proxy: spans under {@code spans/}, metrics under
 * {@code metrics/}, and {@value #LOCK_FILE}, an OS file lock held for the life of the process so two proxies never
 * drain and write the same files. Holds the spool's cipher (encryption at rest, null when off) and retention, and
 * keeps the figures the spool's metrics report. Thread-safe.
 *
 * <p>Opening checks what an earlier run left: with encryption on, every spooled file must open under a listed key;
 * with it off, no file may be sealed. Anything else stops the start with an error naming the file and the keys that
 * fix it, because the drainer could read none of it and would drop it unseen.
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
    private final SpoolCipher cipher;
    private final Duration maxAge;
    private final AtomicLong timesFull = new AtomicLong();
    private final AtomicLong expiredFiles = new AtomicLong();
    /** Written by the spans' spool thread, read on event loops. */
    private volatile double spansFill;

    private final AtomicLong expiredBytes = new AtomicLong();

    private SpoolDirectory(Path root, long maxBytes, FileLock lock, SpoolCipher cipher, Duration maxAge) {
        this.root = root;
        this.maxBytes = maxBytes;
        this.lock = lock;
        this.cipher = cipher;
        this.maxAge = maxAge;
    }

    /** A spool written in clear, whose data may stay a week. */
    static SpoolDirectory open(Path root, long maxBytes) {
        return open(root, maxBytes, List.of(), Duration.ofDays(7));
    }

    /**
     * Creates the directory, checks it is writable and locks it.
     *
     * @throws IllegalStateException naming the directory, what is wrong with it, and the keys that change it
     */
    static SpoolDirectory open(Path root, long maxBytes, List<ProxyConfig.SpoolKey> keys, Duration maxAge) {
        SpoolCipher cipher = SpoolCipher.of(keys);
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
            SpoolDirectory directory = new SpoolDirectory(root, maxBytes, lock, cipher, maxAge);
            try {
                directory.checkSealing();
            } catch (RuntimeException e) {
                directory.close();
                throw e;
            }
            return directory;
        } catch (IOException e) {
            throw new IllegalStateException("audit.spool-dir " + root + ": cannot lock " + LOCK_FILE, e);
        }
    }

    /**
     * Reads the first record of every spooled file and checks it is sealed under a listed key, or in clear when
     * encryption is off. Files are written within a second by one process, so the first record speaks for the file.
     */
    private void checkSealing() {
        for (String signal : List.of("spans", "metrics")) {
            List<Path> files;
            try (var listing = Files.list(root.resolve(signal))) {
                files = listing.filter(Files::isRegularFile).sorted().toList();
            } catch (IOException e) {
                throw new IllegalStateException("audit.spool-dir " + root + ": cannot list " + signal, e);
            }
            for (Path file : files) {
                byte[] record = firstRecord(file);
                if (record == null) {
                    continue;
                }
                String name = signal + "/" + file.getFileName();
                boolean sealed = SpoolCipher.isSealed(record);
                if (cipher == null && sealed) {
                    throw new IllegalStateException("audit.spool-dir " + root + " holds encrypted audit data (" + name
                            + ", key id '" + SpoolCipher.keyId(record) + "') but no key is configured; set"
                            + " audit.spool-key-file or audit.spool-key-env to the keys it was written with");
                }
                if (cipher != null && !sealed) {
                    throw new IllegalStateException("audit.spool-dir " + root + " holds audit data written without"
                            + " encryption (" + name + ") while audit.spool-key-file/-env is set; start once without"
                            + " the key to drain it to the collector, or move the files away");
                }
                if (cipher != null) {
                    String id = SpoolCipher.keyId(record);
                    if (!cipher.knows(id)) {
                        throw new IllegalStateException("audit.spool-dir " + root + ": " + name + " is sealed under"
                                + " key id '" + id + "', which audit.spool-key-file/-env does not list; keep old keys"
                                + " listed after the current one until what they sealed has drained");
                    }
                    try {
                        cipher.open(record, signal);
                    } catch (java.security.GeneralSecurityException e) {
                        throw new IllegalStateException("audit.spool-dir " + root + ": " + name + " does not open"
                                + " under the key listed as '" + id + "' in audit.spool-key-file/-env: wrong key for"
                                + " that id, or the file was altered");
                    }
                }
            }
        }
    }

    /** The first length-prefixed record of a spool file, or null when it has none yet. */
    static byte[] firstRecord(Path file) {
        try (var in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            int length = DelimitedRecords.readLength(in);
            if (length <= 0) {
                return null;
            }
            byte[] record = in.readNBytes(length);
            return record.length == length ? record : null;
        } catch (IOException e) {
            throw new IllegalStateException("audit.spool-dir: cannot read " + file, e);
        }
    }

    /** The spool's cipher, or null when it is written in clear. */
    SpoolCipher cipher() {
        return cipher;
    }

    Duration maxAge() {
        return maxAge;
    }

    /** Counts spooled files dropped for their age. */
    void expired(long files, long bytes) {
        expiredFiles.addAndGet(files);
        expiredBytes.addAndGet(bytes);
    }

    long expiredFiles() {
        return expiredFiles.get();
    }

    long expiredBytes() {
        return expiredBytes.get();
    }

    /** Records what a spool's own thread measured of its folder, for {@link #spansFill()}. */
    void measured(String signal, long bytes, long bound) {
        if (signal.equals("spans")) {
            spansFill = bound <= 0 ? 1 : (double) bytes / bound;
        }
    }

    /** The fraction of the spans' spool in use when its thread last looked (after a write, a send or a sweep). */
    double spansFill() {
        return spansFill;
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
