package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.core.bitbucket.BitbucketAuth;
import io.mcpguard.core.bitbucket.BitbucketClient;
import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.core.tools.ToolCatalog;
import io.mcpguard.sandbox.BitbucketSandbox;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A running sandbox Bitbucket, a core serving MCP over HTTP in front of it, and an SDK client connected to the
 * core: the same path a real client takes, in-process so tests stay quick. One sandbox per JVM, reset by callers.
 */
public final class CoreFixture implements AutoCloseable {
    private static BitbucketSandbox sharedSandbox;
    static final ObjectMapper JSON = new ObjectMapper();

    public final BitbucketSandbox sandbox;
    public final HttpMcpServer core;
    public final McpSyncClient client;

    private CoreFixture(BitbucketSandbox sandbox, HttpMcpServer core, McpSyncClient client) {
        this.sandbox = sandbox;
        this.core = core;
        this.client = client;
    }

    public static synchronized BitbucketSandbox sandbox() {
        if (sharedSandbox == null) {
            try {
                sharedSandbox = BitbucketSandbox.start(0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sharedSandbox;
    }

    public static CoreFixture start(boolean writes, boolean dangerous) throws Exception {
        return start(
                writes,
                dangerous,
                new BitbucketAuth.ApiToken(BitbucketSandbox.DEMO_EMAIL, BitbucketSandbox.DEMO_API_TOKEN),
                Duration.ofSeconds(15));
    }

    public static CoreFixture start(boolean writes, boolean dangerous, BitbucketAuth auth, Duration keepAlive)
            throws Exception {
        BitbucketSandbox sandbox = sandbox();
        BitbucketClient bitbucket =
                new BitbucketClient(URI.create(sandbox.apiUrl()), auth, Duration.ofSeconds(10), Duration.ofSeconds(3));
        HttpMcpServer core = HttpMcpServer.start(
                "127.0.0.1",
                0,
                keepAlive,
                List.of("127.0.0.1:*", "localhost:*"),
                List.of("http://127.0.0.1:*", "http://localhost:*"),
                ToolCatalog.enabled(bitbucket, writes, dangerous));
        McpSyncClient client = McpClient.sync(
                        HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + core.port())
                                .endpoint(HttpMcpServer.ENDPOINT)
                                .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        client.initialize();
        return new CoreFixture(sandbox, core, client);
    }

    public CallToolResult call(String tool, Map<String, Object> arguments) {
        return client.callTool(
                CallToolRequest.builder(tool).arguments(arguments).build());
    }

    /** Calls a tool that must succeed and returns its text. */
    public String ok(String tool, Map<String, Object> arguments) {
        CallToolResult result = call(tool, arguments);
        assertThat(result.isError()).as("%s failed: %s", tool, text(result)).isFalse();
        return text(result);
    }

    /** Calls a tool that must succeed with a JSON answer. */
    public JsonNode json(String tool, Map<String, Object> arguments) {
        try {
            return JSON.readTree(ok(tool, arguments));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Calls a tool that must fail as an {@code isError} result and returns its message. */
    public String error(String tool, Map<String, Object> arguments) {
        CallToolResult result = call(tool, arguments);
        assertThat(result.isError())
                .as("%s should have failed: %s", tool, text(result))
                .isTrue();
        return text(result);
    }

    public static String text(CallToolResult result) {
        StringBuilder out = new StringBuilder();
        result.content().forEach(c -> out.append(((TextContent) c).text()));
        return out.toString();
    }

    @Override
    public void close() {
        try {
            client.closeGracefully();
        } finally {
            core.close();
        }
    }
}
