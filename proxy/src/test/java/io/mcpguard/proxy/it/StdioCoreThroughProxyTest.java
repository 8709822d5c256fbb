package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.testing.InspectorCli;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.StdioProxy;
import io.mcpguard.proxy.testing.TestSubjects;
import io.mcpguard.proxy.testing.Tools;
import io.mcpguard.sandbox.BitbucketSandbox;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Bitbucket MCP server in its stdio mode, launched by the proxy as a child process (one for everybody) and
 * served over Streamable HTTP through the whole pipeline: the MCP Inspector CLI lists and calls tools, the real OPA
 * decides, answers are filtered and masked. The Bitbucket token reaches the child through its environment only.
 */
class StdioCoreThroughProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static BitbucketSandbox sandbox;
    private static OpaProcess opa;
    private static StdioProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        Tools.tool("inspector"); // installed before the proxy starts
        sandbox = BitbucketSandbox.start(0);
        opa = OpaProcess.startWithRepoPolicies();
        proxy = new StdioProxy(
                opa.url(),
                """
                command: %s
                env:
                  pass: [BITBUCKET_API_TOKEN]
                  set: {BITBUCKET_URL: "%s", BITBUCKET_EMAIL: "%s", BITBUCKET_ENABLE_WRITES: "true"}
                """.formatted(
                        StdioProxy.yamlList(StdioProxy.coreCommand()), sandbox.apiUrl(), BitbucketSandbox.DEMO_EMAIL),
                Map.of("BITBUCKET_API_TOKEN", BitbucketSandbox.DEMO_API_TOKEN),
                TestSubjects.ACME_VIEWERS);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (opa != null) opa.close();
        if (sandbox != null) sandbox.close();
    }

    @Test
    void tools_list_reaches_the_stdio_core_and_is_cut_to_what_a_viewer_may_call() throws Exception {
        List<String> names = proxy.inspector("--method", "tools/list").toolNames();
        // The core offers its write tools (BITBUCKET_ENABLE_WRITES): a viewer's list hides them.
        assertThat(names).contains("list_workspaces", "get_repository", "get_pull_request");
        assertThat(names).doesNotContain("create_pull_request", "add_pull_request_comment");
    }

    @Test
    void an_allowed_call_returns_the_cores_answer() throws Exception {
        InspectorCli.Run run = proxy.inspector(
                "--method",
                "tools/call",
                "--tool-name",
                "get_pull_request",
                "--tool-arg",
                "workspace=acme",
                "--tool-arg",
                "repo=payments-api",
                "--tool-arg",
                "pr_id=2");

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        JsonNode result = JSON.readTree(run.stdout()).path("result");
        assertThat(result.path("isError").asBoolean()).isFalse();
        assertThat(result.at("/content/0/text").asText()).contains("Add partial refund endpoint");
    }

    @Test
    void a_call_into_another_workspace_is_denied_by_the_policy() throws Exception {
        InspectorCli.Run run = proxy.inspector(
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
    }

    @Test
    void the_answers_of_the_stdio_core_are_masked_like_an_http_servers() throws Exception {
        InspectorCli.Run run = proxy.inspector(
                "--method",
                "tools/call",
                "--tool-name",
                "get_file_content",
                "--tool-arg",
                "workspace=acme",
                "--tool-arg",
                "repo=payments-api",
                "--tool-arg",
                "path=config/application-prod.yml");

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        String text = JSON.readTree(run.stdout()).at("/result/content/0/text").asText();
        assertThat(text).contains("maximum-pool-size").contains("[REDACTED:aws-access-key]");
        assertThat(text).doesNotContainPattern("AKIA[A-Z0-9]{16}");
    }

    @Test
    void the_token_is_on_no_command_line_and_one_child_serves_everybody() throws Exception {
        proxy.inspector("--method", "tools/list");
        proxy.inspector("--method", "tools/list");

        List<ProcessHandle> children = StdioProxy.children("io.mcpguard.core.CoreMain");
        assertThat(children).hasSize(1);
        assertThat(StdioProxy.commandLine(children.get(0))).doesNotContain(BitbucketSandbox.DEMO_API_TOKEN);
    }
}
