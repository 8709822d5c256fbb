package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.sandbox.BitbucketSandbox;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The core as a child process speaking MCP over stdio, as a desktop client would start it. */
class StdioModeTest {
    private static BitbucketSandbox sandbox;

    @BeforeAll
    static void sandbox() {
        sandbox = CoreFixture.sandbox();
        sandbox.reset();
    }

    private static List<String> command() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of(java, "-cp", classpath, CoreMain.class.getName(), "--stdio");
    }

    private static Map<String, String> env() {
        return Map.of(
                "BITBUCKET_URL", sandbox.apiUrl(),
                "BITBUCKET_EMAIL", BitbucketSandbox.DEMO_EMAIL,
                "BITBUCKET_API_TOKEN", BitbucketSandbox.DEMO_API_TOKEN);
    }

    @Test
    void sdk_client_lists_and_calls_tools_over_stdio() {
        List<String> command = command();
        ServerParameters params = ServerParameters.builder(command.get(0))
                .args(command.subList(1, command.size()))
                .env(env())
                .build();
        McpSyncClient client = McpClient.sync(new StdioClientTransport(params, McpJsonDefaults.getMapper()))
                .requestTimeout(Duration.ofSeconds(30))
                .initializationTimeout(Duration.ofSeconds(30))
                .build();
        try {
            client.initialize();
            assertThat(client.listTools().tools()).hasSize(ToolGatingTest.READ_ONLY.size());
            CallToolResult result = client.callTool(CallToolRequest.builder("get_pull_request")
                    .arguments(Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2))
                    .build());
            assertThat(result.isError()).isFalse();
            assertThat(CoreFixture.text(result)).contains("Add partial refund endpoint");
        } finally {
            client.closeGracefully();
        }
    }

    @Test
    void stdout_carries_only_json_rpc_and_the_server_exits_when_stdin_closes() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command());
        builder.environment().putAll(env());
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        try (OutputStream in = process.getOutputStream();
                BufferedReader out =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String messages = String.join(
                    "\n",
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                            + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"pipe\",\"version\":\"1\"}}}",
                    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"list_workspaces\","
                            + "\"arguments\":{}}}",
                    "");
            in.write(messages.getBytes(StandardCharsets.UTF_8));
            in.flush();
            List<JsonNode> answers = new ArrayList<>();
            while (answers.size() < 2) {
                String line = out.readLine();
                assertThat(line).as("stdout closed early").isNotNull();
                answers.add(CoreFixture.JSON.readTree(line)); // every stdout line must be JSON
            }
            assertThat(answers.get(0)
                            .path("result")
                            .path("serverInfo")
                            .path("name")
                            .asText())
                    .isEqualTo("bitbucket-mcp-core");
            assertThat(answers.get(1)
                            .path("result")
                            .path("content")
                            .get(0)
                            .path("text")
                            .asText())
                    .contains("\"acme\"", "\"globex\"");
        }
        assertThat(process.waitFor(15, TimeUnit.SECONDS))
                .as("server exits after stdin is closed")
                .isTrue();
    }
}
