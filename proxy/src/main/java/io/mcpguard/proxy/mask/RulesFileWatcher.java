package io.mcpguard.proxy.mask;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a rules file when it changes, on a thread of its own (never an event loop: reading and compiling take
 * milliseconds). A file that no longer loads keeps the rules in use and logs a WARN naming the rule and key at fault;
 * the next good version is picked up as usual.
 *
 * <p>It watches the file's directory, since editors and Kubernetes replace files by renaming rather than writing in
 * place, and also re-reads every {@code period} in case an event was missed (network file systems send none). A
 * change is recognised by the file's digest, so a touch without a change does nothing.
 */
public final class RulesFileWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RulesFileWatcher.class);

    private static final long SETTLE_MILLIS = 50;

    private final Path file;
    private final PatternRuleClassifier target;
    private final long periodMillis;
    private final WatchService watch;
    private final Thread thread;
    private volatile boolean closed;
    private byte[] digest;

    /**
     * Starts watching; the rules in {@code target} must be the ones loaded from {@code file} as it is now.
     *
     * @throws IOException when the directory cannot be watched
     */
    public RulesFileWatcher(Path file, PatternRuleClassifier target, java.time.Duration period) throws IOException {
        this.file = file.toAbsolutePath();
        this.target = target;
        this.periodMillis = period.toMillis();
        this.digest = digestOf(this.file);
        this.watch = this.file.getFileSystem().newWatchService();
        this.file
                .getParent()
                .register(
                        watch,
                        StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
        this.thread = new Thread(this::run, "mask-rules-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!closed) {
            try {
                var key = watch.poll(periodMillis, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents(); // which event does not matter: the digest says whether the file changed
                    key.reset();
                }
                check();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) { // never let the watcher die: the next change must still be seen
                log.atWarn().setCause(e).log("masking rules watcher failed once; watching on");
            }
        }
    }

    /** Reloads when the file's content changed since the last load attempt. */
    void check() throws InterruptedException {
        byte[] now = digestOf(file);
        if (now == null || Arrays.equals(now, digest)) {
            return; // unchanged, or gone for a moment (replaced by rename): keep the rules in use
        }
        // A file written in place is empty or half written for a moment; the periodic check can land there. Load
        // only what reads the same twice: an empty file means "the project's rules alone", so a truncated read would
        // drop the team's own rules until the next write.
        Thread.sleep(SETTLE_MILLIS);
        if (!Arrays.equals(now, digestOf(file))) {
            return; // still being written: the next event or period sees the final content
        }
        digest = now;
        try {
            PatternRules next = RulesFile.load(file);
            target.replace(next);
            log.atInfo()
                    .addKeyValue("file", file)
                    .addKeyValue("rules", next.rules().size())
                    .log("masking rules reloaded");
        } catch (RulesFileException e) {
            log.atWarn()
                    .addKeyValue("file", file)
                    .addKeyValue("error", e.getMessage())
                    .log("masking rules file changed but does not load; the previous rules stay in use");
        }
    }

    private static byte[] digestOf(Path file) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        } catch (IOException e) {
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            watch.close();
        } catch (IOException e) {
            log.atDebug().setCause(e).log("closing the masking rules watch");
        }
        thread.interrupt();
    }
}
