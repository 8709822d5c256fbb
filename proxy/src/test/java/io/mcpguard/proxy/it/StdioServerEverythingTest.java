package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.testing.InspectorCli;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.RawMcp;
import io.mcpguard.proxy.testing.StdioProxy;
import io.mcpguard.proxy.testing.TestSubjects;
import io.mcpguard.proxy.testing.Tools;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stdio MCP server nobody here wrote — the reference {@code server-everything} from npm, in its stdio mode —
 * fronted by the proxy, with the policy's catalogue extended by two of its tools. Its {@code get-env} tool prints its
 * whole environment, which shows exactly what the allow-list let through.
 */
class StdioServerEverythingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSED = "passed-through-value";
    private static final String HIDDEN = "never-for-the-child";
    private static final String TOKEN = "ghp_" + "Zq8xR2mV7kL4nP9sT3wY6bC1dF5gH0jK2aB4";

    @TempDir
    static Path policies;

    private static OpaProcess opa;
    private static StdioProxy proxy;

    @BeforeAll
    static void start() throws IOException {
        Tools.tool("inspector"); // installed before the proxy starts
        Path everything = Tools.tool("everything");
        opa = startOpaKnowing(policies, "echo", "get-env", "trigger-long-running-operation");
        proxy = new StdioProxy(
                opa.url(),
                """
                command: %s
                env:
                  pass: [PATH, CANARY_PASSED, GITHUB_TOKEN]
                  set: {CANARY_SET: plain-value}
                """.formatted(StdioProxy.yamlList(List.of(everything.toString(), "stdio"))),
                Map.of(
                        "PATH", System.getenv("PATH"),
                        "CANARY_PASSED", PASSED,
                        "CANARY_HIDDEN", HIDDEN,
                        "GITHUB_TOKEN", TOKEN),
                TestSubjects.ACME_VIEWERS);
    }

    /** OPA on a copy of the repository's policies whose tool catalogue also lists {@code tools} (read, no scope). */
    static OpaProcess startOpaKnowing(Path dir, String... tools) throws IOException {
        OpaProcess.copyRepoPolicies(dir);
        Path data = dir.resolve("mcp/tools/data.json");
        ObjectNode root = (ObjectNode) JSON.readTree(data.toFile());
        for (String tool : tools) {
            ObjectNode entry = root.withObjectProperty("catalogue").putObject(tool);
            entry.put("class", "read").put("scope", "none");
            entry.putArray("data_classes").add("secret").add("personal_data").add("internal_infrastructure");
        }
        Files.writeString(data, JSON.writeValueAsString(root));
        OpaProcess opa = new OpaProcess(dir);
        opa.start();
        return opa;
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (opa != null) opa.close();
    }

    @Test
    void tools_list_shows_the_catalogued_tools_and_hides_the_rest() throws Exception {
        List<String> names = proxy.inspector("--method", "tools/list").toolNames();
        assertThat(names).containsExactlyInAnyOrder("echo", "get-env", "trigger-long-running-operation");
    }

    @Test
    void an_allowed_call_is_answered_by_the_stdio_server() throws Exception {
        InspectorCli.Run run =
                proxy.inspector("--method", "tools/call", "--tool-name", "echo", "--tool-arg", "message=hello stdio");

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(JSON.readTree(run.stdout()).at("/result/content/0/text").asText())
                .contains("hello stdio");
    }

    @Test
    void a_tool_outside_the_catalogue_is_denied_before_it_reaches_the_child() throws Exception {
        // Raw, because the Inspector CLI already refuses a tool the filtered list does not show.
        HttpResponse<String> answer = RawMcp.post(proxy.mcpUrl(), """
                {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get-sum","arguments":{"a":1,"b":2}}}""");

        JsonNode error = JSON.readTree(answer.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32001);
        assertThat(error.path("message").asText()).as(answer.body()).contains("unknown tool");
    }

    @Test
    void the_child_sees_only_the_variables_the_allow_list_names_and_its_secrets_are_masked() throws Exception {
        InspectorCli.Run run = proxy.inspector("--method", "tools/call", "--tool-name", "get-env");

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        String text = JSON.readTree(run.stdout()).at("/result/content/0/text").asText();
        JsonNode env = JSON.readTree(text);
        List<String> names = new ArrayList<>();
        env.fieldNames().forEachRemaining(names::add);
        // What node itself adds to its environment aside, the child has exactly the listed variables.
        assertThat(names).contains("PATH", "CANARY_PASSED", "CANARY_SET", "GITHUB_TOKEN");
        assertThat(names).doesNotContain("CANARY_HIDDEN", "MCPGUARD_AUTH_MODE", "HOME", "JAVA_HOME");
        assertThat(env.path("CANARY_PASSED").asText()).isEqualTo(PASSED);
        assertThat(env.path("CANARY_SET").asText()).isEqualTo("plain-value");
        assertThat(text).doesNotContain(HIDDEN);
        // The child's answer went through the answer path: the token it holds reaches no client.
        assertThat(text).doesNotContain(TOKEN);
    }

    @Test
    void progress_the_child_reports_reaches_the_client_that_asked_under_its_own_token() throws Exception {
        HttpResponse<String> answer = RawMcp.post(proxy.mcpUrl(), """
                {"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"trigger-long-running-operation",
                 "arguments":{"duration":0.3,"steps":3},"_meta":{"progressToken":"tok-7"}}}""");

        assertThat(answer.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        List<JsonNode> events = new ArrayList<>();
        for (String line : answer.body().split("\n")) {
            if (line.startsWith("data:")) {
                events.add(JSON.readTree(line.substring("data:".length())));
            }
        }
        assertThat(events).hasSize(4);
        for (int i = 0; i < 3; i++) {
            assertThat(events.get(i).path("method").asText()).isEqualTo("notifications/progress");
            assertThat(events.get(i).at("/params/progressToken").asText())
                    .as("the client's own token, not the proxy's")
                    .isEqualTo("tok-7");
            assertThat(events.get(i).at("/params/progress").asInt()).isEqualTo(i + 1);
        }
        assertThat(events.get(3).path("id").asInt()).isEqualTo(8);
        assertThat(events.get(3).at("/result/content/0/text").asText()).contains("Long running operation completed");
    }
}
