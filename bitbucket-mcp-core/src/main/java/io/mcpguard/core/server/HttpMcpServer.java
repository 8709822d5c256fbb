package io.mcpguard.core.server;

import io.mcpguard.core.tools.ToolDefinition;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP Streamable HTTP endpoint ({@code /mcp}) on embedded Jetty 12.1 (ee11 servlets), with the SDK's sessionful
 * transport and the workarounds for its defects: JSON-RPC error bodies instead of serialised exceptions ({@link
 * JsonRpcErrorMapper}), {@code MCP-Protocol-Version} validation and JSON {@code sendError} bodies ({@link
 * McpHttpGuardFilter}), and SSE keep-alive comments so an idle GET stream still shows it is alive.
 */
public final class HttpMcpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpMcpServer.class);

    public static final String ENDPOINT = "/mcp";

    private final Server jetty;
    private final McpSyncServer mcp;
    private final String host;

    private HttpMcpServer(Server jetty, McpSyncServer mcp, String host) {
        this.jetty = jetty;
        this.mcp = mcp;
        this.host = host;
    }

    /**
     * Starts serving. {@code allowedHosts}/{@code allowedOrigins} guard against DNS rebinding: a browser page on
     * another origin cannot drive the server even though it listens on localhost.
     */
    public static HttpMcpServer start(
            String host,
            int port,
            Duration keepAlive,
            List<String> allowedHosts,
            List<String> allowedOrigins,
            List<ToolDefinition> tools)
            throws Exception {
        JsonRpcErrorMapper mapper = new JsonRpcErrorMapper(McpJsonDefaults.getMapper());
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(mapper)
                .mcpEndpoint(ENDPOINT)
                .keepAliveInterval(keepAlive)
                .httpHeaderValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedHosts(allowedHosts)
                        .allowedOrigins(allowedOrigins)
                        .build())
                .build();
        McpSyncServer mcp = ToolRegistry.configure(McpServer.sync(transport), tools)
                .jsonMapper(mapper)
                .build();

        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("mcp-http");
        Server jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(host);
        connector.setPort(port);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder servlet = new ServletHolder("mcp", transport);
        servlet.setAsyncSupported(true);
        context.addServlet(servlet, ENDPOINT);
        FilterHolder guard = new FilterHolder(new McpHttpGuardFilter());
        guard.setAsyncSupported(true);
        context.addFilter(guard, ENDPOINT, EnumSet.of(DispatcherType.REQUEST));
        jetty.setHandler(context);
        jetty.setStopTimeout(2000);
        try {
            jetty.start();
        } catch (Exception e) {
            mcp.close();
            jetty.stop();
            throw e;
        }
        return new HttpMcpServer(jetty, mcp, host);
    }

    public int port() {
        return ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
    }

    public URI endpoint() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port() + ENDPOINT);
    }

    public void join() throws InterruptedException {
        jetty.join();
    }

    /**
     * Closes the MCP sessions, then stops Jetty, waiting up to its stop timeout for open requests. A request still
     * open then (a client's long-lived stream) is cut: Jetty has stopped all the same, so that is a warning, not a
     * failure of the close.
     */
    @Override
    public void close() {
        try {
            mcp.closeGracefully();
        } finally {
            try {
                jetty.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (TimeoutException e) {
                LOG.atWarn()
                        .addKeyValue("stop_timeout_ms", jetty.getStopTimeout())
                        .log("requests still open at the stop timeout were cut");
            } catch (Exception e) {
                throw new IllegalStateException("Jetty did not stop cleanly", e);
            }
        }
    }
}
