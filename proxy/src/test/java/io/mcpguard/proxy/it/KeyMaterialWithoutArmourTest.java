package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.SandboxCore;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11, route 3: the private key planted in the sandbox's {@code config/application-prod.yml}, read through the
 * real Bitbucket MCP server with {@code start_line} inside the PEM block, so the {@code -----BEGIN} line (and with
 * {@code max_lines}, the {@code -----END} line) is not in the answer. A viewer must see none of its body lines.
 */
class KeyMaterialWithoutArmourTest {
    private static final Pattern BODY_LINE = Pattern.compile("(?m)^ {4}([A-Za-z0-9+/]{64})$");

    private static final Subject VIEWER = new Subject(
            "viewer@acme/*", true, "jwt", List.of("viewer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);

    @RegisterExtension
    @Order(1)
    static final ClassPart<SandboxCore> core = ClassPart.of(SandboxCore::new);

    /** The viewer's proxy in front of the core. */
    @RegisterExtension
    @Order(2)
    static final ProxyStack stack = ProxyStack.builder()
            .upstreamUrl(() -> core.get().mcpUrl())
            .subjects((ctx, request) -> VIEWER)
            .build();

    private static McpSyncClient direct;
    private static McpSyncClient viewer;

    @BeforeAll
    static void start() {
        direct = client(core.get().baseUrl());
        viewer = client(stack.proxy().baseUrl());
    }

    @AfterAll
    static void stop() {
        for (McpSyncClient client : new McpSyncClient[] {direct, viewer}) {
            if (client != null) client.closeGracefully();
        }
    }

    @Test
    void body_lines_from_inside_the_block_are_masked() {
        assertNoBodyLineReaches(28, 5); // five full body lines: no BEGIN, no END
    }

    @Test
    void the_tail_of_the_block_with_its_end_line_is_masked() {
        assertNoBodyLineReaches(33, 20);
    }

    @Test
    void the_first_body_line_alone_is_masked() {
        assertNoBodyLineReaches(
                27, 1); // the line after BEGIN, alone, recognised by how a private key's encoding starts
    }

    private static void assertNoBodyLineReaches(int startLine, int maxLines) {
        String raw = read(direct, startLine, maxLines);
        Matcher m = BODY_LINE.matcher(raw);
        List<String> body = m.results().map(r -> r.group(1)).toList();
        assertThat(body).as("key lines the server returns unmasked").isNotEmpty();
        assertThat(raw).doesNotContain("-----BEGIN");

        String masked = read(viewer, startLine, maxLines);

        assertThat(masked).contains("[REDACTED:pem-private-key]");
        for (String line : body) {
            assertThat(masked).doesNotContain(line);
        }
    }

    private static String read(McpSyncClient client, int startLine, int maxLines) {
        Map<String, Object> arguments = new HashMap<>(
                Map.of("workspace", "acme", "repo", "payments-api", "path", "config/application-prod.yml"));
        arguments.put("start_line", startLine);
        arguments.put("max_lines", maxLines);
        CallToolResult result = client.callTool(
                CallToolRequest.builder("get_file_content").arguments(arguments).build());
        assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
        StringBuilder out = new StringBuilder();
        result.content().forEach(c -> out.append(((TextContent) c).text()));
        return out.toString();
    }

    private static McpSyncClient client(String baseUrl) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(baseUrl)
                        .endpoint(HttpMcpServer.ENDPOINT)
                        .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        client.initialize();
        return client;
    }
}
