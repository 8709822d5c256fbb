package io.mcpguard.proxy.policy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy recording's files, kept no longer than {@code policy.record.max-age}: today's decisions (UTC) are in
 * the named file; at the first line of a new day it is renamed {@code <file>.<yyyy-mm-dd>} after the day it holds,
 * and a day's file is deleted once that day ended more than the age ago — at start, and at every new day. Recordings
 * hold policy inputs (subjects, tools, masked or hashed arguments): keeping them only as long as they are needed is
 * part of the product's data protection, not an operator's chore.
 */
final class RecordingSegments implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordingSegments.class);

    private final Path file;
    private final Duration maxAge;
    private final Clock clock;
    private OutputStream out;
    private LocalDate day;
    private long size;

    RecordingSegments(Path file, Duration maxAge, Clock clock) {
        this.file = file;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** The stream today's lines go to, after rotating and sweeping when the day changed. */
    OutputStream current() throws IOException {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        if (out != null && today.equals(day)) {
            return out;
        }
        LocalDate held = day;
        if (out != null) {
            out.close();
            out = null;
        }
        if (Files.exists(file)) {
            if (held == null) { // at start: the file was written on the day of its last change
                held = LocalDate.ofInstant(Files.getLastModifiedTime(file).toInstant(), ZoneOffset.UTC);
            }
            if (!held.equals(today)) {
                Files.move(file, dayFile(held), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        sweep(clock.instant());
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        size = Files.size(file);
        day = today;
        return out;
    }

    /** Bytes in today's file. */
    long size() {
        return size;
    }

    void wrote(long bytes) {
        size += bytes;
    }

    void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    /** Deletes every day's file whose day ended more than the maximum age before {@code now}. */
    void sweep(Instant now) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        String prefix = file.getFileName() + ".";
        try (DirectoryStream<Path> days = Files.newDirectoryStream(dir, prefix + "*")) {
            for (Path candidate : days) {
                LocalDate held;
                try {
                    held = LocalDate.parse(candidate.getFileName().toString().substring(prefix.length()));
                } catch (DateTimeParseException e) {
                    continue; // not one of ours
                }
                Instant ended = held.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
                if (ended.plus(maxAge).isBefore(now)) {
                    Files.deleteIfExists(candidate);
                    log.atInfo()
                            .addKeyValue("event.name", "policy.recording_expired")
                            .addKeyValue("file", candidate)
                            .addKeyValue("max_age", maxAge)
                            .log("a day of policy recording passed policy.record.max-age and was deleted");
                }
            }
        }
    }

    private Path dayFile(LocalDate held) {
        return file.resolveSibling(file.getFileName() + "." + held);
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
