package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.ModernClient;
import io.mcpguard.proxy.testing.ModernClient.Call;
import io.mcpguard.proxy.testing.ModernServer;
import io.mcpguard.proxy.testing.ProxyStack;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14: a server of the new era behind the proxy ({@code upstream.era: modern}, nothing bridged) — the
 * TypeScript SDK v2 reference server, which speaks 2026-07-28 and the legacy eras — with the TypeScript SDK v2 client
 * pinned to 2026-07-28 and the MCP Java SDK client (legacy) in front, decided by a real OPA for a viewer of acme. Each
 * client sees the tools the viewer may use, the same masked answer, and the same refusal.
 */
class ModernServerBehindProxyTest {
    private static final Subject VIEWER = new Subject(
            "viewer-m", true, "jwt", List.of("viewer@acme/*"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final Map<String, Object> REPOSITORY = Map.of("workspace", "acme", "repo", "api");

    @RegisterExtension
    @Order(1)
    static final ClassPart<ModernServer> server = ClassPart.of(ModernServer::new);

    @RegisterExtension
    @Order(2)
    static final ProxyStack stack = ProxyStack.builder()
            .upstreamUrl(() -> server.get().url())
            .settings(Map.of("upstream.era", "modern"))
            .subjects((ctx, request) -> VIEWER)
            .build();

    @Test
    void the_modern_client_reaches_the_modern_server_decided_and_masked() throws Exception {
        ModernClient.Run direct =
                ModernClient.run(server.get().url(), null, Map.of(), List.of(new Call("get_repository", REPOSITORY)));
        ModernClient.Run proxied = ModernClient.run(
                stack.proxy().mcpUrl(),
                null,
                Map.of(),
                List.of(
                        new Call("get_repository", REPOSITORY),
                        new Call("merge_pull_request", Map.of("workspace", "acme", "repo", "api", "pr_id", 1))));

        assertThat(direct.toolNames())
                .containsExactlyInAnyOrder("list_workspaces", "get_repository", "list_branches", "merge_pull_request");
        assertThat(direct.out().at("/calls/0/result/content/0/text").asText()).contains("AKIAIOSFODNN7EXAMPLE");
        assertThat(proxied.out().path("protocolVersion").asText()).isEqualTo("2026-07-28");
        assertThat(proxied.toolNames()).containsExactly("list_workspaces", "get_repository", "list_branches");
        String text = proxied.out().at("/calls/0/result/content/0/text").asText();
        assertThat(text).startsWith("repository acme/api").doesNotContain("AKIAIOSFODNN7EXAMPLE");
        JsonNode refused = proxied.out().at("/calls/1/error");
        assertThat(refused.path("code").asInt()).as(proxied.out().toString()).isEqualTo(-32001);
    }

    @Test
    void a_multi_round_trip_call_completes_with_the_servers_question_masked() throws Exception {
        Map<String, Object> branches = Map.of("workspace", "acme", "repo", "api");

        ModernClient.Run direct =
                ModernClient.run(server.get().url(), null, Map.of(), List.of(new Call("list_branches", branches)));
        ModernClient.Run proxied =
                ModernClient.run(stack.proxy().mcpUrl(), null, Map.of(), List.of(new Call("list_branches", branches)));

        assertThat(direct.out().at("/elicitations/0").asText()).contains("AKIAIOSFODNN7EXAMPLE");
        assertThat(proxied.out().at("/calls/0/result/content/0/text").asText())
                .as("the retry carried the server's sealed requestState back intact: " + proxied.out())
                .isEqualTo("branches of acme/api: main");
        assertThat(proxied.out().at("/elicitations/0").asText())
                .startsWith("List the branches of acme/api?")
                .doesNotContain("AKIAIOSFODNN7EXAMPLE");
    }

    @Test
    void a_legacy_client_keeps_its_own_session_with_the_same_server_and_sees_the_same() throws Exception {
        ModernClient.Run modern = ModernClient.run(
                stack.proxy().mcpUrl(), null, Map.of(), List.of(new Call("get_repository", REPOSITORY)));
        URI url = URI.create(stack.proxy().mcpUrl());
        McpSyncClient legacy = McpClient.sync(
                        HttpClientStreamableHttpTransport.builder(url.getScheme() + "://" + url.getAuthority())
                                .endpoint(url.getPath())
                                .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        try {
            assertThat(legacy.initialize().protocolVersion()).isNotEqualTo("2026-07-28");
            assertThat(legacy.listTools().tools())
                    .extracting(tool -> tool.name())
                    .containsExactly("list_workspaces", "get_repository", "list_branches");
            String text = ((TextContent) legacy.callTool(CallToolRequest.builder("get_repository")
                                    .arguments(REPOSITORY)
                                    .build())
                            .content()
                            .get(0))
                    .text();

            assertThat(text)
                    .isEqualTo(modern.out().at("/calls/0/result/content/0/text").asText());
        } finally {
            legacy.closeGracefully();
        }
    }
}
