package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.LogCapture;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recording's day files alone, on a clock the test sets: rotation at the day's change, size, and expiry. */
class RecordingSegmentsTest {
    @TempDir
    Path dir;

    private static final class SetClock extends Clock {
        volatile Instant now;

        SetClock(String now) {
            this.now = Instant.parse(now);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private static void write(RecordingSegments segments, String line) throws Exception {
        OutputStream out = segments.current();
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        out.write(bytes);
        segments.wrote(bytes.length);
    }

    @Test
    void the_same_day_appends_to_one_file_and_counts_its_bytes_from_what_was_there() throws Exception {
        Path file = dir.resolve("rec.jsonl");
        Files.writeString(file, "earlier today\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-03-04T01:00:00Z")));
        SetClock clock = new SetClock("2026-03-04T10:00:00Z");
        try (RecordingSegments segments = new RecordingSegments(file, Duration.ofDays(1), clock)) {
            segments.flush(); // nothing open yet: nothing to do
            write(segments, "one");
            OutputStream first = segments.current();
            clock.now = Instant.parse("2026-03-04T23:59:59Z");
            assertThat(segments.current()).as("same day, same stream").isSameAs(first);
            write(segments, "two");
            segments.flush();

            assertThat(segments.size()).isEqualTo(Files.size(file)).isEqualTo(14 + 8);
            assertThat(Files.readString(file)).isEqualTo("earlier today\none\ntwo\n");
            assertThat(dir.resolve("rec.jsonl.2026-03-04"))
                    .as("a file of today is not moved")
                    .doesNotExist();
        }
    }

    @Test
    void a_new_day_moves_the_last_day_aside_and_starts_an_empty_file() throws Exception {
        Path file = dir.resolve("rec.jsonl");
        SetClock clock = new SetClock("2026-03-04T23:00:00Z");
        try (RecordingSegments segments = new RecordingSegments(file, Duration.ofDays(30), clock)) {
            write(segments, "day four");
            clock.now = Instant.parse("2026-03-05T00:00:01Z");
            write(segments, "day five");
            segments.flush();

            assertThat(dir.resolve("rec.jsonl.2026-03-04")).content().isEqualTo("day four\n");
            assertThat(file).content().isEqualTo("day five\n");
            assertThat(segments.size()).isEqualTo(9);
        }
    }

    @Test
    void a_day_is_deleted_only_once_it_ended_more_than_the_maximum_age_ago() throws Exception {
        Path file = dir.resolve("rec.jsonl");
        Files.writeString(dir.resolve("rec.jsonl.2026-03-01"), "{}\n"); // ended 03-02T00:00
        Files.writeString(dir.resolve("rec.jsonl.2026-03-02"), "{}\n"); // ended 03-03T00:00
        Files.writeString(dir.resolve("rec.jsonl.backup"), "not ours\n");
        Files.writeString(dir.resolve("other.jsonl.2026-01-01"), "not ours either\n");
        RecordingSegments segments =
                new RecordingSegments(file, Duration.ofDays(1), new SetClock("2026-03-03T00:00:00Z"));
        try (LogCapture logs = new LogCapture(RecordingSegments.class.getName())) {
            segments.sweep(Instant.parse("2026-03-03T00:00:00Z"));
            assertThat(dir.resolve("rec.jsonl.2026-03-01"))
                    .as("ended exactly one day ago: not more than the age")
                    .exists();

            segments.sweep(Instant.parse("2026-03-03T00:00:00.001Z"));
            assertThat(dir.resolve("rec.jsonl.2026-03-01")).doesNotExist();
            assertThat(dir.resolve("rec.jsonl.2026-03-02")).exists();
            assertThat(dir.resolve("rec.jsonl.backup")).exists();
            assertThat(dir.resolve("other.jsonl.2026-01-01")).exists();
            assertThat(logs.lines())
                    .singleElement()
                    .satisfies(line -> assertThat(line.text())
                            .contains("event.name=policy.recording_expired")
                            .contains("rec.jsonl.2026-03-01")
                            .contains("max_age=PT24H"));
        }
        segments.close(); // never opened: nothing to close
        assertThat(file).doesNotExist();
    }
}
