package io.mcpguard.core.server;

import io.mcpguard.core.tools.ToolDefinition;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * MCP over stdio: newline-delimited JSON-RPC on stdin/stdout. Stdout carries protocol messages only, so logging goes
 * to stderr (see logback.xml) and {@link #run} redirects {@code System.out} to stderr for any stray print.
 */
public final class StdioMcpServer {
    private StdioMcpServer() {}

    /** Serves until stdin reaches end of file (the client went away), then returns. */
    public static void run(InputStream in, OutputStream out, List<ToolDefinition> tools) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        InputStream watched = new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b < 0) closed.countDown();
                return b;
            }

            @Override
            public int read(byte[] buffer, int off, int len) throws IOException {
                int n = super.read(buffer, off, len);
                if (n < 0) closed.countDown();
                return n;
            }
        };
        JsonRpcErrorMapper mapper = new JsonRpcErrorMapper(McpJsonDefaults.getMapper());
        StdioServerTransportProvider transport = new StdioServerTransportProvider(mapper, watched, out);
        McpSyncServer server = ToolRegistry.configure(McpServer.sync(transport), tools)
                .jsonMapper(mapper)
                .build();
        try {
            closed.await();
        } finally {
            server.closeGracefully();
        }
    }
}
