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
 * The real Bitbucket MCP server (bitbucket-mcp-core, read-only tools unless asked for more) in front of the sandbox Bitbucket with its
 * planted secrets and personal data, both in this JVM on loopback: what the proxy guards in production.
 */
public final class SandboxCore implements AutoCloseable {
    private final BitbucketSandbox sandbox;
    private final HttpMcpServer core;

    public SandboxCore() throws Exception {
        this(false, false);
    }

    /** @param writes offer the write tools; @param dangerous offer merge, decline and delete a branch too */
    public SandboxCore(boolean writes, boolean dangerous) throws Exception {
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
                    ToolCatalog.enabled(bitbucket, writes, dangerous));
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
