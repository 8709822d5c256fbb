package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.testing.LogCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recorder alone: what a line holds, the hashed setting, the file's bound, and its days' retention. */
class RecordingPolicyEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject ALICE =
            new Subject("alice", true, "jwt", List.of("viewer"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final TransportFacts FACTS = new TransportFacts("127.0.0.1", false, "POST", "/mcp", null, null, 1);

    /** Decides every input alike, as a stand-in: the recorder, not the policy, is under test. */
    private static final PolicyEngine ALLOW_ALL = new PolicyEngine() {
        @Override
        public CompletableFuture<Decision> decide(PolicyInput input) {
            JsonNode result = JSON.createObjectNode().put("allow", true).set("reasons", JSON.createArrayNode());
            return CompletableFuture.completedFuture(
                    new Decision(true, List.of(), List.of(), null, null, "normal", 0, null, "d-1", "rev-1", result));
        }

        @Override
        public void close() {}
    };

    private static PolicyInput call(String arguments) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
                + "\"arguments\":" + arguments + "}}";
        JsonRpcMessage message = new JsonRpcDecoder(64, 1 << 20, 32)
                .decode(body.getBytes(StandardCharsets.UTF_8))
                .messages()
                .get(0);
        return new PolicyInput(ALICE, message, FACTS);
    }

    @Test
    void hashed_arguments_keep_what_permissions_depend_on_and_nothing_else_in_clear(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("rec.jsonl");
        try (RecordingPolicyEngine recorder =
                new RecordingPolicyEngine(ALLOW_ALL, file, 1 << 20, RecordingPolicyEngine::hashed)) {
            recorder.decide(call("{\"workspace\":\"acme\",\"repo\":\"api\",\"query\":\"hunter2\",\"n\":[\"x\"]}"))
                    .join();
        }

        JsonNode line = JSON.readTree(Files.readAllLines(file).get(0));
        JsonNode arguments = line.at("/input/request/arguments");
        assertThat(arguments.get("workspace").asText()).isEqualTo("acme");
        assertThat(arguments.get("repo").asText()).isEqualTo("api");
        assertThat(arguments.get("query").asText()).matches("sha256:[0-9a-f]{64}");
        assertThat(arguments.at("/n/0").asText()).matches("sha256:[0-9a-f]{64}");
        assertThat(line.toString()).doesNotContain("hunter2");
        assertThat(line.at("/decision/allow").asBoolean()).isTrue();
        assertThat(line.get("decision_id").asText()).isEqualTo("d-1");
        assertThat(line.get("policy_revision").asText()).isEqualTo("rev-1");
    }

    @Test
    void the_file_stops_at_its_bound_with_one_warning(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rec.jsonl");
        try (LogCapture logs = new LogCapture()) {
            try (RecordingPolicyEngine recorder =
                    new RecordingPolicyEngine(ALLOW_ALL, file, 2048, RecordingPolicyEngine::hashed)) {
                for (int i = 0; i < 50; i++) {
                    recorder.decide(call("{\"workspace\":\"acme\",\"repo\":\"api\"}"))
                            .join();
                }
                Thread.sleep(500); // the writer drains the queue
                assertThat(recorder.dropped()).isPositive();
            }
            assertThat(Files.size(file)).isLessThanOrEqualTo(2048);
            assertThat(Files.readAllLines(file))
                    .isNotEmpty()
                    .allSatisfy(l -> assertThat(JSON.readTree(l)).isNotNull());
            assertThat(logs.lines())
                    .filteredOn(l -> l.text().contains("event.name=policy.recording_full"))
                    .hasSize(1);
        }
    }

    @Test
    void each_day_has_its_file_and_a_day_older_than_the_maximum_age_is_deleted(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rec.jsonl");
        Instant start = Instant.now();
        LocalDate first = LocalDate.ofInstant(start, ZoneOffset.UTC);
        MovingClock clock = new MovingClock(start);
        try (RecordingPolicyEngine recorder = new RecordingPolicyEngine(
                ALLOW_ALL, file, 1 << 20, Duration.ofDays(2), clock, RecordingPolicyEngine::hashed)) {
            recorder.decide(call("{\"workspace\":\"day-1\"}")).join();
            awaitLine(file, "day-1");

            clock.set(first.plusDays(1).atTime(12, 0).toInstant(ZoneOffset.UTC));
            recorder.decide(call("{\"workspace\":\"day-2\"}")).join();
            awaitLine(file, "day-2");
            Path dayOne = dir.resolve("rec.jsonl." + first);
            assertThat(Files.readString(dayOne)).as("the first day's file").contains("day-1");
            assertThat(Files.readString(file)).contains("day-2").doesNotContain("day-1");

            // The first day ended two days and twelve hours ago: past the age. The second ended a day and a half ago.
            clock.set(first.plusDays(3).atTime(12, 0).toInstant(ZoneOffset.UTC));
            recorder.decide(call("{\"workspace\":\"day-4\"}")).join();
            awaitLine(file, "day-4");
            assertThat(dayOne).doesNotExist();
            assertThat(Files.readString(dir.resolve("rec.jsonl." + first.plusDays(1))))
                    .contains("day-2");
            assertThat(Files.readString(file)).contains("day-4").doesNotContain("day-2");
        }
    }

    @Test
    void at_start_an_earlier_days_file_is_moved_aside_and_expired_days_are_deleted(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rec.jsonl");
        Files.writeString(file, "{\"left\":\"from an earlier run\"}\n");
        Instant written = Instant.parse("2026-01-10T08:00:00Z");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(written));
        Files.writeString(dir.resolve("rec.jsonl.2026-01-01"), "{}\n");
        Files.writeString(dir.resolve("rec.jsonl.not-a-day"), "kept: not ours\n");

        try (RecordingPolicyEngine recorder = new RecordingPolicyEngine(
                ALLOW_ALL,
                file,
                1 << 20,
                Duration.ofDays(7),
                new MovingClock(Instant.parse("2026-01-12T00:00:00Z")),
                RecordingPolicyEngine::hashed)) {
            recorder.decide(call("{}")).join();
            awaitLine(file, "decision_id");
        }

        assertThat(dir.resolve("rec.jsonl.2026-01-10")).content().contains("from an earlier run");
        assertThat(dir.resolve("rec.jsonl.2026-01-01"))
                .as("ended 2026-01-02, more than 7 days ago")
                .doesNotExist();
        assertThat(dir.resolve("rec.jsonl.not-a-day")).exists();
        assertThat(Files.readAllLines(file)).hasSize(1);
    }

    @Test
    void a_failed_decision_or_one_without_a_document_is_not_recorded_and_a_call_without_arguments_is_as_sent(
            @TempDir Path dir) throws Exception {
        Path file = dir.resolve("rec.jsonl");
        java.util.Iterator<CompletableFuture<Decision>> answers = List.of(
                        CompletableFuture.<Decision>failedFuture(new PolicyUnavailableException("down")),
                        CompletableFuture.completedFuture(new Decision(
                                false, List.of(), List.of(), null, null, "normal", 0, null, null, null, null)),
                        ALLOW_ALL.decide(null))
                .iterator();
        PolicyEngine scripted = new PolicyEngine() {
            @Override
            public CompletableFuture<Decision> decide(PolicyInput input) {
                return answers.next();
            }

            @Override
            public void close() {}
        };
        String body = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
        PolicyInput list = new PolicyInput(
                ALICE,
                new JsonRpcDecoder(64, 1 << 20, 32)
                        .decode(body.getBytes(StandardCharsets.UTF_8))
                        .messages()
                        .get(0),
                FACTS);
        try (RecordingPolicyEngine recorder =
                new RecordingPolicyEngine(scripted, file, 1 << 20, RecordingPolicyEngine::hashed)) {
            assertThat(recorder.decide(call("{\"q\":\"failed\"}"))).isCompletedExceptionally();
            assertThat(recorder.decide(call("{\"q\":\"no-document\"}")).join().allow())
                    .isFalse();
            recorder.decide(list).join();
            awaitLine(file, "tools/list");
            assertThat(recorder.dropped()).isZero();
        }

        assertThat(Files.readAllLines(file)).singleElement().satisfies(text -> {
            JsonNode line = JSON.readTree(text);
            assertThat(line.at("/input/request/method").asText()).isEqualTo("tools/list");
            assertThat(line.at("/input/request").has("arguments")).isFalse();
            assertThat(line.get("recorded_at_ms").asLong()).isPositive();
        });
    }

    @Test
    void hashing_reaches_into_objects_and_arrays_and_leaves_numbers_and_booleans() throws Exception {
        JsonNode hashed = RecordingPolicyEngine.hashed(JSON.readTree("{\"outer\":{\"workspace\":\"acme\","
                + "\"title\":\"secret plan\"},\"list\":[\"repo\",[\"deep\"],7],\"n\":3,\"flag\":true,\"none\":null}"));

        assertThat(hashed.at("/outer/workspace").asText())
                .as("kept at any depth")
                .isEqualTo("acme");
        assertThat(hashed.at("/outer/title").asText()).isEqualTo(sha256("secret plan"));
        assertThat(hashed.at("/list/0").asText())
                .as("an array element is hashed even when it reads like a kept name")
                .isEqualTo(sha256("repo"));
        assertThat(hashed.at("/list/1/0").asText()).isEqualTo(sha256("deep"));
        assertThat(hashed.at("/list/2").asInt()).isEqualTo(7);
        assertThat(hashed.get("n").asInt()).isEqualTo(3);
        assertThat(hashed.get("flag").asBoolean()).isTrue();
        assertThat(hashed.get("none").isNull()).isTrue();
    }

    private static String sha256(String text) throws Exception {
        return "sha256:"
                + java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void a_file_that_cannot_be_written_stops_the_recording_with_a_warning_and_decisions_go_on(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("rec.jsonl");
        Files.createDirectory(file); // a directory where the file should be
        try (LogCapture logs = new LogCapture(RecordingPolicyEngine.class.getName())) {
            try (RecordingPolicyEngine recorder =
                    new RecordingPolicyEngine(ALLOW_ALL, file, 1 << 20, RecordingPolicyEngine::hashed)) {
                assertThat(recorder.decide(call("{}")).join().allow()).isTrue();
            }
            assertThat(logs.lines())
                    .anySatisfy(line -> assertThat(line.text())
                            .contains("policy recording stopped: the file cannot be written")
                            .contains("file=" + file));
        }
    }

    /** Waits for the writer thread to have written a line holding {@code text}. */
    private static void awaitLine(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(file + " got no line holding " + text);
    }

    /** A clock the test moves: which day a line belongs to, and what has expired. */
    private static final class MovingClock extends Clock {
        private volatile Instant now;

        MovingClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
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
}
