package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.testing.ProxyStack;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole path with real parts: the official MCP Java SDK client → the proxy → a real OPA with the repository's
 * policies → an MCP SDK server that records what reached it.
 */
class ProxyEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.with(Map.of());

    private McpSyncClient client;

    @BeforeEach
    void connect() {
        client = McpClient.sync(
                        HttpClientStreamableHttpTransport.builder(stack.proxy().baseUrl())
                                .endpoint("/mcp")
                                .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        client.initialize();
        stack.upstream().clear();
    }

    @AfterEach
    void disconnect() {
        if (client != null) client.closeGracefully();
    }

    @Test
    void tools_list_shows_only_what_the_subject_may_use() {
        List<String> names = client.listTools().tools().stream().map(Tool::name).toList();

        // Anonymous (no identity stage yet) is a viewer of acme: the dangerous tool is hidden from the list.
        assertThat(names).containsExactlyInAnyOrder("get_repository", "list_commits");
        assertThat(stack.upstream().bodies()).anySatisfy(b -> assertThat(b).contains("\"tools/list\""));
    }

    @Test
    void allowed_tool_call_returns_the_upstream_answer() {
        CallToolResult result = client.callTool(CallToolRequest.builder("get_repository")
                .arguments(Map.of("workspace", "acme", "repo", "api"))
                .build());

        assertThat(text(result)).isEqualTo("repository acme/api");
    }

    @Test
    void denied_tool_call_gets_the_policy_error_and_never_reaches_the_upstream() {
        assertThatThrownBy(() -> client.callTool(CallToolRequest.builder("merge_pull_request")
                        .arguments(Map.of("workspace", "acme", "repo", "api"))
                        .build()))
                .isInstanceOfSatisfying(McpError.class, e -> {
                    assertThat(e.getJsonRpcError().code()).isEqualTo(-32001);
                    assertThat(e.getJsonRpcError().message()).contains("merge_pull_request");
                });

        assertThat(stack.upstream().bodies()).noneSatisfy(b -> assertThat(b).contains("merge_pull_request"));
    }

    @Test
    void sse_answers_arrive_event_by_event() {
        AtomicInteger progressSeen = new AtomicInteger();
        McpSyncClient streaming = McpClient.sync(
                        HttpClientStreamableHttpTransport.builder(stack.proxy().baseUrl())
                                .endpoint("/mcp")
                                .build())
                .requestTimeout(Duration.ofSeconds(30))
                .progressConsumer(progress -> {
                    progressSeen.incrementAndGet();
                    // Only a proxy that forwarded the first event before the stream ended lets the tool finish.
                    stack.upstream().releaseStream();
                })
                .build();
        try {
            streaming.initialize();
            CallToolResult result = streaming.callTool(CallToolRequest.builder("list_commits")
                    .arguments(Map.of("workspace", "acme", "repo", "api"))
                    .progressToken("commits-1")
                    .build());

            assertThat(progressSeen).hasValue(1);
            assertThat(text(result)).isEqualTo("released");
        } finally {
            streaming.closeGracefully();
        }
    }

    @Test
    void opa_down_denies_with_the_unavailable_error_and_opa_back_lets_calls_flow_again() {
        CallToolRequest call = CallToolRequest.builder("get_repository")
                .arguments(Map.of("workspace", "acme", "repo", "api"))
                .build();
        stack.opa().stop();
        try {
            assertThatThrownBy(() -> client.callTool(call)).isInstanceOfSatisfying(McpError.class, e -> {
                assertThat(e.getJsonRpcError().code()).isEqualTo(-32004);
                assertThat(e.getJsonRpcError().message()).contains("not sent");
            });
            assertThat(stack.upstream().bodies()).noneSatisfy(b -> assertThat(b).contains("get_repository"));
        } finally {
            stack.opa().start();
        }

        assertThat(text(client.callTool(call))).isEqualTo("repository acme/api");
    }

    private static String text(CallToolResult result) {
        assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
        return ((TextContent) result.content().get(0)).text();
    }

    static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }
}
