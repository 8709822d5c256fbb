package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.proxy.admin.ReplayCommand;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.SandboxCore;
import io.mcpguard.proxy.testing.Tools;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record, then replay: a proxy with {@code policy.record.file} in front of the real core records each policy input
 * (arguments masked) with its decision; {@code mcpguard replay} decides them again with real OPA — the same policy
 * gives no change, a candidate that makes {@code get_repository} a write tool shows the viewer's read turning into a
 * denial (and its tools/list shrinking) and fails the run unless those changes are declared expected.
 */
class PolicyReplayTest {
    private static final String PLANTED = "AKIAZ7QWERTY12345678";
    private static final Subject VIEWER = new Subject(
            "replay-viewer",
            true,
            "jwt",
            List.of("viewer@acme/*"),
            List.of(),
            null,
            List.of("pwd"),
            null,
            Instant.now(),
            null);

    @RegisterExtension
    static final ClassPart<SandboxCore> core = ClassPart.of(SandboxCore::new);

    @RegisterExtension
    static final ClassPart<OpaProcess> opa = ClassPart.of(OpaProcess::startWithRepoPolicies);

    @Test
    void recorded_decisions_replay_unchanged_and_a_candidate_policy_shows_its_changes(@TempDir Path dir)
            throws Exception {
        Path recording = dir.resolve("decisions.jsonl");
        try (ProxyHarness proxy = new ProxyHarness(
                        core.get().mcpUrl(),
                        opa.get().url(),
                        Map.of("policy.record.file", recording.toString()),
                        (c, r) -> VIEWER);
                McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(proxy.baseUrl())
                                .endpoint(HttpMcpServer.ENDPOINT)
                                .build())
                        .requestTimeout(Duration.ofSeconds(30))
                        .build()) {
            client.initialize();
            client.listTools();
            call(client, "get_repository", Map.of("workspace", "acme", "repo", "payments-api"));
            call(
                    client,
                    "get_file_content",
                    Map.of("workspace", "acme", "repo", "payments-api", "path", "config/" + PLANTED + ".yml"));
            call(
                    client,
                    "create_pull_request",
                    Map.of("workspace", "acme", "repo", "payments-api", "title", "x", "source_branch", "feature"));
        }

        String recorded = Files.readString(recording);
        assertThat(recorded.lines().count()).isGreaterThanOrEqualTo(5); // initialize, tools/list, three calls
        assertThat(recorded)
                .as("arguments are recorded masked")
                .doesNotContain(PLANTED)
                .contains("\"decision\"");

        Path policies = Tools.repo().resolve("policies");
        Result same = replay("--inputs", recording.toString(), "--policy", policies.toString());
        assertThat(same.exit()).as(same.out()).isZero();
        assertThat(same.out()).contains("0 changed");

        Path candidate = dir.resolve("candidate");
        OpaProcess.copyRepoPolicies(candidate);
        Path catalogue = candidate.resolve("mcp/tools/data.json");
        Files.writeString(
                catalogue,
                Files.readString(catalogue)
                        .replace(
                                "\"get_repository\": {\"class\": \"read\"",
                                "\"get_repository\": {\"class\": \"write\""));

        Result changed = replay(
                "--inputs", recording.toString(), "--policy", policies.toString(), "--against", candidate.toString());
        assertThat(changed.exit()).as(changed.out()).isEqualTo(1);
        assertThat(changed.out())
                .contains(
                        "2 changed", "allow_to_deny: 1 (1 not expected)", "tools/call get_repository by replay-viewer")
                .contains("tools/list by replay-viewer", "lists: 1 (1 not expected)")
                .contains("your roles do not allow write tool \\\"get_repository\\\" here")
                .doesNotContain(PLANTED);

        Result declared = replay(
                "--inputs", recording.toString(),
                "--policy", policies.toString(),
                "--against", candidate.toString(),
                "--expect", "allow_to_deny:get_repository",
                "--expect", "reasons:get_repository",
                "--expect", "mask:get_repository",
                "--expect", "quota:get_repository",
                "--expect", "lists"); // the viewer's tools/list no longer shows it
        assertThat(declared.exit()).as(declared.out()).isZero();
    }

    private static void call(McpSyncClient client, String tool, Map<String, Object> arguments) {
        try {
            client.callTool(CallToolRequest.builder(tool).arguments(arguments).build());
        } catch (RuntimeException denied) {
            // a denial is a decision too: it is recorded like an allow
        }
    }

    record Result(int exit, String out) {}

    private static Result replay(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--opa");
        all.add(Tools.tool("opa").toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = ReplayCommand.run(
                all.toArray(String[]::new),
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8));
    }
}
