package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.proxy.admin.PinCommand;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.SandboxCore;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tool pinning against the real Bitbucket core: {@code mcpguard pin} writes the manifest of the core's tools, a proxy
 * with it lists and calls them as before, and a tool whose advertised definition is not the pinned one (a manifest
 * edited to stand for a server that changed it since) is hidden from {@code tools/list} and its calls are denied by
 * the repository's policy, with a WARN security line; in warn mode it stays usable and is reported.
 */
class ToolPinningTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Object> ACME_API = Map.of("workspace", "acme", "repo", "payments-api");
    private static final Subject VIEWER = new Subject(
            "pin-viewer",
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
    void pinned_tools_work_and_a_drifted_one_is_hidden_and_refused(@TempDir Path dir) throws Exception {
        Path manifest = dir.resolve("tool-pins.json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = PinCommand.run(
                new String[] {"--server", core.get().mcpUrl(), "--out", manifest.toString()},
                Map.of(),
                System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        ObjectNode pins = (ObjectNode) JSON.readTree(manifest.toFile());
        assertThat(pins.get("tools").has("get_repository")).isTrue();
        assertThat(pins.get("tools").get("get_repository").asText()).matches("sha256:[0-9a-f]{64}");

        try (ProxyHarness proxy = proxy(manifest, "pin");
                McpSyncClient client = client(proxy)) {
            assertThat(names(client)).contains("get_repository", "get_file_content");
            assertThat(call(client, "get_repository").isError()).isNotEqualTo(Boolean.TRUE);
        }

        // The core as it would be had it rewritten get_repository since it was pinned: its pin no longer matches.
        ((ObjectNode) pins.get("tools")).put("get_repository", "sha256:" + "0".repeat(64));
        ((ObjectNode) pins.get("tools")).remove("get_file_content"); // and a tool nobody reviewed
        Files.writeString(manifest, JSON.writeValueAsString(pins));

        try (LogCapture logs = new LogCapture();
                ProxyHarness proxy = proxy(manifest, "pin");
                McpSyncClient client = client(proxy)) {
            assertThat(names(client))
                    .doesNotContain("get_repository", "get_file_content")
                    .contains("list_commits");
            assertThatThrownBy(() -> call(client, "get_repository"))
                    .hasMessageContaining("changed since it was pinned");
            assertThatThrownBy(() -> call(client, "get_file_content")).hasMessageContaining("is not pinned");
            assertThat(call(client, "list_commits").isError())
                    .as("a pinned tool")
                    .isNotEqualTo(Boolean.TRUE);
            assertThat(logs.lines())
                    .anySatisfy(l -> assertThat(l.text())
                            .contains("event.name=security.tool_definition_drift", "gen_ai.tool.name=get_repository"));
        }

        try (LogCapture logs = new LogCapture();
                ProxyHarness proxy = proxy(manifest, "warn");
                McpSyncClient client = client(proxy)) {
            assertThat(names(client)).contains("get_repository", "get_file_content");
            assertThat(call(client, "get_repository").isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(logs.lines())
                    .anySatisfy(l -> assertThat(l.text()).contains("event.name=security.tool_definition_drift"));
        }
    }

    private static ProxyHarness proxy(Path manifest, String mode) {
        return new ProxyHarness(
                core.get().mcpUrl(),
                opa.get().url(),
                Map.of("upstream.tool-pins.file", manifest.toString(), "upstream.tool-pins.mode", mode),
                (ctx, request) -> VIEWER);
    }

    private static McpSyncClient client(ProxyHarness proxy) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(proxy.baseUrl())
                        .endpoint(HttpMcpServer.ENDPOINT)
                        .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        client.initialize();
        return client;
    }

    private static List<String> names(McpSyncClient client) {
        return client.listTools().tools().stream().map(Tool::name).toList();
    }

    private static CallToolResult call(McpSyncClient client, String tool) {
        Map<String, Object> arguments = tool.equals("get_file_content")
                ? Map.of("workspace", "acme", "repo", "payments-api", "path", "README.md")
                : ACME_API;
        return client.callTool(
                CallToolRequest.builder(tool).arguments(arguments).build());
    }
}
