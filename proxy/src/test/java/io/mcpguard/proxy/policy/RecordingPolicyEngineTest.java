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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recorder alone: what a line holds, the hashed setting, and the file's bound. */
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
}
