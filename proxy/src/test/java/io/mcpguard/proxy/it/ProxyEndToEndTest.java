package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.RecordingUpstream;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole path with real parts: the official MCP Java SDK client → the proxy → a real OPA with the repository's
 * policies → an MCP SDK server that records what reached it.
 */
class ProxyEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static OpaProcess opa;
    private static RecordingUpstream upstream;
    private static ProxyHarness proxy;

    private McpSyncClient client;

    @BeforeAll
    static void startParts() {
        opa = OpaProcess.startWithRepoPolicies();
        upstream = new RecordingUpstream();
        proxy = new ProxyHarness(upstream.url(), opa.url());
    }

    @AfterAll
    static void stopParts() {
        if (proxy != null) proxy.close();
        if (upstream != null) upstream.close();
        if (opa != null) opa.close();
    }

    @BeforeEach
    void connect() {
        opa.start();
        upstream.resetStreamGate();
        client = McpClient.sync(HttpClientStreamableHttpTransport.builder(proxy.baseUrl())
                        .endpoint("/mcp")
                        .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        client.initialize();
        upstream.clear();
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
        assertThat(upstream.bodies()).anySatisfy(b -> assertThat(b).contains("\"tools/list\""));
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

        assertThat(upstream.bodies()).noneSatisfy(b -> assertThat(b).contains("merge_pull_request"));
    }

    @Test
    void sse_answers_arrive_event_by_event() {
        AtomicInteger progressSeen = new AtomicInteger();
        McpSyncClient streaming = McpClient.sync(HttpClientStreamableHttpTransport.builder(proxy.baseUrl())
                        .endpoint("/mcp")
                        .build())
                .requestTimeout(Duration.ofSeconds(30))
                .progressConsumer(progress -> {
                    progressSeen.incrementAndGet();
                    // Only a proxy that forwarded the first event before the stream ended lets the tool finish.
                    upstream.releaseStream();
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
        opa.stop();
        try {
            assertThatThrownBy(() -> client.callTool(call)).isInstanceOfSatisfying(McpError.class, e -> {
                assertThat(e.getJsonRpcError().code()).isEqualTo(-32004);
                assertThat(e.getJsonRpcError().message()).contains("not sent");
            });
            assertThat(upstream.bodies()).noneSatisfy(b -> assertThat(b).contains("get_repository"));
        } finally {
            opa.start();
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
