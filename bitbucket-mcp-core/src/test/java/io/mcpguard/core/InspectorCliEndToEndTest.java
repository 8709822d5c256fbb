package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.sandbox.BitbucketSandbox;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The acceptance scenario end to end: the core runs as its own process configured only by environment (as deployed),
 * the sandbox stands in for Bitbucket, and an independent client, the official MCP Inspector CLI (Node, TypeScript
 * SDK), drives it over Streamable HTTP: create_pull_request → get_pull_request → merge_pull_request changes the
 * sandbox, and a second merge answers Bitbucket's error. With defaults, tools/list shows only read-only tools.
 */
class InspectorCliEndToEndTest {
    private static String inspector;
    private static CoreProcess all;
    private static CoreProcess defaults;

    @BeforeAll
    static void start() throws Exception {
        inspector = ExternalTools.path("inspector");
        BitbucketSandbox sandbox = CoreFixture.sandbox();
        sandbox.reset();
        Map<String, String> env = Map.of(
                "BITBUCKET_URL", sandbox.apiUrl(),
                "BITBUCKET_EMAIL", BitbucketSandbox.DEMO_EMAIL,
                "BITBUCKET_API_TOKEN", BitbucketSandbox.DEMO_API_TOKEN);
        Map<String, String> enabled = new java.util.HashMap<>(env);
        enabled.put("BITBUCKET_ENABLE_WRITES", "true");
        enabled.put("BITBUCKET_ENABLE_DANGEROUS", "true");
        all = CoreProcess.start(enabled);
        defaults = CoreProcess.start(env);
    }

    @AfterAll
    static void stop() throws Exception {
        all.close();
        defaults.close();
    }

    private static ExternalTools.Run inspector(CoreProcess core, String... args) {
        List<String> command = new ArrayList<>(List.of(
                inspector,
                "--cli",
                "--server-url",
                core.endpoint().toString(),
                "--transport",
                "http",
                "--format",
                "json"));
        command.addAll(List.of(args));
        return ExternalTools.run(command, Map.of("MCP_INSPECTOR_SECRET_STORE", "memory"), null, 120);
    }

    private static JsonNode call(CoreProcess core, String tool, String argsJson, boolean expectError) throws Exception {
        ExternalTools.Run run =
                inspector(core, "--method", "tools/call", "--tool-name", tool, "--tool-args-json", argsJson);
        // exit code 5 = the tool answered isError:true (Inspector CLI contract)
        assertThat(run.exitCode()).as("%s: %s", tool, run.stderr()).isEqualTo(expectError ? 5 : 0);
        JsonNode result = CoreFixture.JSON.readTree(run.stdout()).path("result");
        assertThat(result.path("isError").asBoolean()).isEqualTo(expectError);
        return result;
    }

    private static JsonNode text(JsonNode result) throws Exception {
        return CoreFixture.JSON.readTree(
                result.path("content").get(0).path("text").asText());
    }

    @Test
    void default_server_lists_only_read_only_tools() throws Exception {
        ExternalTools.Run run = inspector(defaults, "--method", "tools/list");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        JsonNode tools = CoreFixture.JSON.readTree(run.stdout()).path("result").path("tools");
        List<String> names = new ArrayList<>();
        tools.forEach(t -> {
            names.add(t.path("name").asText());
            assertThat(t.path("annotations").path("readOnlyHint").asBoolean())
                    .as(t.path("name").asText())
                    .isTrue();
        });
        assertThat(names).containsExactlyInAnyOrderElementsOf(ToolGatingTest.READ_ONLY);
    }

    @Test
    void create_get_merge_then_second_merge_fails_with_bitbucket_s_error() throws Exception {
        JsonNode created = text(call(
                all,
                "create_pull_request",
                "{\"workspace\":\"acme\",\"repo\":\"web-frontend\",\"title\":\"Upgrade vite\","
                        + "\"source_branch\":\"chore/upgrade-vite\",\"destination_branch\":\"main\"}",
                false));
        int id = created.path("id").asInt();
        String pr = "{\"workspace\":\"acme\",\"repo\":\"web-frontend\",\"pr_id\":" + id + "}";
        assertThat(text(call(all, "get_pull_request", pr, false)).path("state").asText())
                .isEqualTo("OPEN");
        JsonNode merged = text(call(all, "merge_pull_request", pr, false));
        assertThat(merged.path("state").asText()).isEqualTo("MERGED");
        assertThat(text(call(all, "get_pull_request", pr, false))
                        .path("merge_commit")
                        .asText())
                .isEqualTo(merged.path("merge_commit").asText());
        assertThat(CoreFixture.sandbox().requests())
                .anyMatch(r -> r.startsWith("POST /2.0/repositories/acme/web-frontend/pullrequests/" + id + "/merge")
                        && r.endsWith("-> 200"));
        JsonNode again = call(all, "merge_pull_request", pr, true);
        assertThat(again.path("content").get(0).path("text").asText())
                .contains("HTTP 409")
                .contains("You can't merge a pull request that is already merged.");
    }
}
