package io.mcpguard.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mcpguard explain} with the real OPA binary and the repository's policies and shared examples. */
class ExplainCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path POLICIES = Tools.repo().resolve("policies");
    private static final Path EXAMPLES = POLICIES.resolve("examples");

    record Result(int exit, String out) {}

    private static Result explain(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--policy", POLICIES.toString(), "--opa", Tools.tool("opa").toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = ExplainCommand.run(
                all.toArray(String[]::new),
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void a_denial_is_explained_by_its_reason_and_the_rule_that_produced_it() {
        Result result = explain(
                "--input",
                EXAMPLES.resolve("a-viewer-may-not-create-a-pull-request.jsonc").toString());

        assertThat(result.exit()).as(result.out()).isZero();
        assertThat(result.out())
                .contains("decision: deny")
                .contains("  - your roles do not allow write tool \"create_pull_request\" here")
                .containsPattern("produced by:\\n  mcp/authz/authz\\.rego:\\d+ _denials\\nrules that held")
                .contains("mcp/rbac/rbac.rego:");
    }

    @Test
    void an_allow_names_its_grant_and_the_mask() {
        Result result = explain(
                "--input",
                EXAMPLES.resolve("a-developer-of-acme-reads-an-acme-repository.jsonc")
                        .toString());

        assertThat(result.exit()).as(result.out()).isZero();
        assertThat(result.out()).contains("decision: allow").containsPattern("mcp/authz/authz\\.rego:\\d+ _grants");
    }

    @Test
    void a_decision_id_finds_its_input_in_a_recording(@TempDir Path dir) throws Exception {
        ObjectNode example =
                (ObjectNode) JSON.readTree(EXAMPLES.resolve("a-developer-of-acme-may-not-read-globex.jsonc")
                        .toFile());
        ObjectNode line = JSON.createObjectNode();
        line.set("input", example.get("input"));
        line.put("decision_id", "4f7d-recorded");
        Path recording = dir.resolve("decisions.jsonl");
        Files.writeString(
                recording, "{\"input\":{},\"decision_id\":\"other\"}\n" + JSON.writeValueAsString(line) + "\n");

        Result found = explain("--decision-id", "4f7d-recorded", "--inputs", recording.toString());
        assertThat(found.exit()).as(found.out()).isZero();
        assertThat(found.out())
                .contains("decision: deny")
                .contains("your roles do not allow read tool \"get_repository\" here");

        Result missing = explain("--decision-id", "nope", "--inputs", recording.toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.out()).contains("no decision nope in");
    }

    @Test
    void a_usage_error_says_what_is_needed() {
        Result result = explain("--decision-id", "x");
        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.out()).contains("either --input or --decision-id with --inputs");
    }
}
