package io.mcpguard.proxy.testing;

import io.mcpguard.core.bitbucket.BitbucketAuth;
import io.mcpguard.core.bitbucket.BitbucketClient;
import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.core.tools.ToolCatalog;
import io.mcpguard.sandbox.BitbucketSandbox;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The real Bitbucket MCP server (bitbucket-mcp-core, read-only tools) in front of the sandbox Bitbucket with its
 * planted secrets and personal data, both in this JVM on loopback: what the proxy guards in production.
 */
public final class SandboxCore implements AutoCloseable {
    private final BitbucketSandbox sandbox;
    private final HttpMcpServer core;

    public SandboxCore() throws Exception {
        this.sandbox = BitbucketSandbox.start(0);
        BitbucketClient bitbucket = new BitbucketClient(
                URI.create(sandbox.apiUrl()),
                new BitbucketAuth.ApiToken(BitbucketSandbox.DEMO_EMAIL, BitbucketSandbox.DEMO_API_TOKEN),
                Duration.ofSeconds(10),
                Duration.ofSeconds(3));
        try {
            this.core = HttpMcpServer.start(
                    "127.0.0.1",
                    0,
                    Duration.ofSeconds(15),
                    List.of("127.0.0.1:*", "localhost:*"),
                    List.of("http://127.0.0.1:*", "http://localhost:*"),
                    ToolCatalog.enabled(bitbucket, false, false));
        } catch (Exception e) {
            sandbox.close();
            throw e;
        }
    }

    /** The core's base URL, for an MCP client that adds the endpoint path itself. */
    public String baseUrl() {
        return "http://127.0.0.1:" + core.port();
    }

    /** The core's MCP endpoint, for the proxy's {@code upstream.url}. */
    public String mcpUrl() {
        return baseUrl() + HttpMcpServer.ENDPOINT;
    }

    @Override
    public void close() {
        core.close();
        sandbox.close();
    }
}
