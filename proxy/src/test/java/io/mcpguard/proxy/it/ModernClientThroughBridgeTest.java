package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.ModernClient;
import io.mcpguard.proxy.testing.ModernClient.Call;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.SandboxCore;
import io.mcpguard.proxy.testing.Tools;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14, item 2: a 2026-07-28 client (the TypeScript SDK v2 client, pinned to the modern era) reaches the
 * unmodified Bitbucket core, which speaks only the legacy eras, through the proxy's era bridge, decided by a real OPA
 * — while a legacy client (the MCP Java SDK) keeps its own session end to end in the same deployment. Both see the
 * same tools, the same masked data and the same refusals.
 */
class ModernClientThroughBridgeTest {
    private static final String SUBJECT_HEADER = "X-Test-Subject";
    private static final Map<String, Object> PROD_CONFIG =
            Map.of("workspace", "acme", "repo", "payments-api", "path", "config/application-prod.yml");

    @RegisterExtension
    @Order(1)
    static final ClassPart<SandboxCore> core = ClassPart.of(SandboxCore::new);

    /** Viewers of acme, one subject per value of a test header, so sessions per subject can be told apart. */
    @RegisterExtension
    @Order(2)
    static final ProxyStack stack = ProxyStack.builder()
            .upstreamUrl(() -> core.get().mcpUrl())
            .subjects((ctx, request) -> viewer(request.headers().get(SUBJECT_HEADER, "viewer-1")))
            .build();

    private static Subject viewer(String id) {
        return new Subject(
                id, true, "jwt", List.of("viewer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);
    }

    @BeforeAll
    static void provideClient() {
        Tools.tool("ts-client"); // installed before the tests run, not inside one's time
    }

    @Test
    void the_core_alone_refuses_a_modern_client() throws Exception {
        ModernClient.Run run = ModernClient.run(core.get().mcpUrl(), null, Map.of(), List.of());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out().path("error").path("code").asText()).isEqualTo("ERA_NEGOTIATION_FAILED");
    }

    @Test
    void a_modern_client_sees_what_a_legacy_client_sees_through_the_proxy() throws Exception {
        McpSyncClient legacy = legacyClient();
        List<String> legacyTools;
        String legacyText;
        try {
            legacyTools = legacy.listTools().tools().stream().map(t -> t.name()).toList();
            legacyText = text(legacy.callTool(CallToolRequest.builder("get_file_content")
                    .arguments(PROD_CONFIG)
                    .build()));
        } finally {
            legacy.closeGracefully();
        }

        ModernClient.Run modern = ModernClient.run(
                stack.proxy().mcpUrl(), null, Map.of(), List.of(new Call("get_file_content", PROD_CONFIG)));

        assertThat(modern.toolNames()).containsExactlyInAnyOrderElementsOf(legacyTools);
        assertThat(modern.out().path("protocolVersion").asText()).isEqualTo("2026-07-28");
        JsonNode result = modern.out().path("calls").path(0).path("result");
        assertThat(result.path("isError").asBoolean(false))
                .as(modern.out().toString())
                .isFalse();
        String modernText = result.path("content").path(0).path("text").asText();
        assertThat(legacyText).contains("[REDACTED");
        assertThat(modernText).isEqualTo(legacyText);
    }

    @Test
    void the_policy_refuses_a_modern_call_as_it_refuses_a_legacy_one() throws Exception {
        ModernClient.Run run = ModernClient.run(
                stack.proxy().mcpUrl(),
                null,
                Map.of(),
                List.of(new Call(
                        "merge_pull_request", Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 1))));

        JsonNode error = run.out().path("calls").path(0).path("error");
        assertThat(error.path("code").asInt()).as(run.out().toString()).isEqualTo(-32001);
    }

    @Test
    void each_subject_has_one_bridged_session_at_the_core() throws Exception {
        try (LogCapture log = new LogCapture("io.mcpguard.proxy.bridge.LegacyBridge")) {
            for (String subject : List.of("viewer-a", "viewer-a", "viewer-b")) {
                ModernClient.Run run =
                        ModernClient.run(stack.proxy().mcpUrl(), null, Map.of(SUBJECT_HEADER, subject), List.of());
                assertThat(run.toolNames()).isNotEmpty();
            }

            assertThat(log.lines().stream().filter(l -> l.text().contains("event.name=bridge.session_opened")))
                    .as("sessions opened: one per subject, reused by its later requests")
                    .hasSize(2);
        }
    }

    private static String text(CallToolResult result) {
        StringBuilder out = new StringBuilder();
        result.content().forEach(c -> out.append(((TextContent) c).text()));
        return out.toString();
    }

    private static McpSyncClient legacyClient() {
        McpSyncClient client = McpClient.sync(
                        HttpClientStreamableHttpTransport.builder(stack.proxy().baseUrl())
                                .endpoint(HttpMcpServer.ENDPOINT)
                                .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        client.initialize();
        return client;
    }
}
