package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.auth.ApiKeyStore;
import io.mcpguard.proxy.testing.InspectorCli;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client nobody on this team wrote — the MCP Inspector CLI from npm — talking to the upstream through the proxy. */
class InspectorCliThroughProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.with(Map.of());

    /** A second proxy in front of the same upstream and OPA, requiring an API key. */
    private static ProxyHarness guarded;

    private static String apiKey;

    /** What one CLI run printed and how it ended. */
    record Run(int exitCode, String stdout, String stderr) {}

    @BeforeAll
    static void startParts() throws IOException {
        Tools.tool("inspector"); // installed before the stack starts, not inside a test's time
        String[] made = ApiKeyStore.newKey("inspector");
        apiKey = made[0];
        Path keys = Files.createTempFile("api-keys", ".yaml");
        Files.writeString(keys, """
                keys:
                  - id: inspector
                    owner: svc-inspector
                    roles: ["viewer@acme/*"]
                    sha256: "%s"
                    created: 2026-11-01T00:00:00Z
                """.formatted(made[1]));
        guarded = new ProxyHarness(
                stack.upstream().url(),
                stack.opa().url(),
                Map.of("auth.mode", "required", "auth.api-keys.file", keys.toString()));
    }

    @AfterAll
    static void stopParts() {
        if (guarded != null) guarded.close();
    }

    @Test
    void lists_tools_through_the_proxy() throws Exception {
        Run run = inspector("--method", "tools/list");

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        JsonNode tools = JSON.readTree(run.stdout()).path("result").path("tools");
        List<String> names = new ArrayList<>();
        tools.forEach(t -> names.add(t.path("name").asText()));
        // Anonymous (no identity stage yet) is a viewer of acme: the dangerous tool is hidden from the list.
        assertThat(names).containsExactlyInAnyOrder("get_repository", "list_commits");
    }

    @Test
    void an_allowed_call_returns_the_upstreams_answer() throws Exception {
        Run run = inspector(
                "--method",
                "tools/call",
                "--tool-name",
                "get_repository",
                "--tool-arg",
                "workspace=acme",
                "--tool-arg",
                "repo=api");

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(JSON.readTree(run.stdout()).at("/result/content/0/text").asText())
                .isEqualTo("repository acme/api");
    }

    @Test
    void a_call_into_another_workspace_fails_with_the_policys_reason_and_never_reaches_the_upstream() throws Exception {
        stack.upstream().clear();

        Run run = inspector(
                "--method",
                "tools/call",
                "--tool-name",
                "get_repository",
                "--tool-arg",
                "workspace=globex",
                "--tool-arg",
                "repo=api");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("Denied by policy").contains("get_repository");
        assertThat(stack.upstream().bodies()).noneSatisfy(b -> assertThat(b).contains("globex"));
    }

    @Test
    void with_authentication_required_the_inspector_gets_in_with_an_api_key_and_not_without() throws Exception {
        Run without = inspectorAt(guarded, "--method", "tools/list");
        assertThat(without.exitCode()).isNotZero();

        Run with = inspectorAt(guarded, "--header", "Authorization: Bearer " + apiKey, "--method", "tools/list");
        assertThat(with.exitCode()).as(with.stderr()).isZero();
        List<String> names = new ArrayList<>();
        JSON.readTree(with.stdout())
                .path("result")
                .path("tools")
                .forEach(t -> names.add(t.path("name").asText()));
        // A viewer of acme: the read-only tools, and tools/list hides the dangerous one.
        assertThat(names).containsExactlyInAnyOrder("get_repository", "list_commits");
    }

    private static Run inspector(String... args) throws IOException, InterruptedException {
        return inspectorAt(stack.proxy(), args);
    }

    private static Run inspectorAt(ProxyHarness target, String... args) throws IOException, InterruptedException {
        InspectorCli.Run run = InspectorCli.run(target.mcpUrl(), List.of(args));
        return new Run(run.exitCode(), run.stdout(), run.stderr());
    }
}
