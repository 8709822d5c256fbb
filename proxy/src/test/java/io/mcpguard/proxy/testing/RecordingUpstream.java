package io.mcpguard.proxy.testing;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real MCP server (the official Java SDK's Streamable HTTP transport on Jetty) standing in for the guarded core,
 * which records every HTTP request it receives so tests can prove what did, and did not, reach it.
 *
 * <p>Tools: {@code get_repository} and {@code list_commits} (read-only, allowed by the repository's policy),
 * {@code merge_pull_request} (dangerous, denied). {@code list_commits} streams: it sends a progress notification,
 * then waits until the test calls {@link #releaseStream()} — so a proxy that buffered the SSE answer would keep the
 * first event from the client, the test would never release, and the call would end "timed out".
 */
public final class RecordingUpstream implements AutoCloseable {

    /** One HTTP request as the upstream saw it. */
    public record Received(String method, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().isEmpty() ? null : e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch streamGate = new CountDownLatch(1);
    private final Server jetty;
    private final McpSyncServer mcp;
    private final int port;
    private final boolean https;

    public RecordingUpstream() {
        this(true);
    }

    /** @param recording false for load runs, where keeping every request would only cost memory */
    public RecordingUpstream(boolean recording) {
        this(recording, Duration.ofSeconds(15));
    }

    /**
     * @param recording false for load runs, where keeping every request would only cost memory
     * @param keepAlive how often the server pings on open streams
     */
    public RecordingUpstream(boolean recording, Duration keepAlive) {
        this(recording, keepAlive, null);
    }

    /** @param tls serves https with this context's certificate, or null for http */
    public RecordingUpstream(boolean recording, Duration keepAlive, javax.net.ssl.SSLContext tls) {
        this.https = tls != null;
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .mcpEndpoint("/mcp")
                .keepAliveInterval(keepAlive)
                .securityValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigin("http://localhost:*")
                        .allowedOrigin("http://127.0.0.1:*")
                        .allowedHost("localhost:*")
                        .allowedHost("127.0.0.1:*")
                        .build())
                .build();
        Map<String, Object> repoSchema = Map.of(
                "type",
                "object",
                "properties",
                Map.of("workspace", Map.of("type", "string"), "repo", Map.of("type", "string")));
        this.mcp = McpServer.sync(transport)
                .serverInfo("recording-upstream", "1.0.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(
                        tool("get_repository", repoSchema, (ex, req) -> {
                            // Two repositories that fail, so a test sees the server's own failures:
                            // a failed tool (isError) and a JSON-RPC error.
                            Object repo = req.arguments().get("repo");
                            if ("missing".equals(repo)) {
                                return CallToolResult.builder()
                                        .addTextContent("repository not found")
                                        .isError(true)
                                        .build();
                            }
                            if ("invalid".equals(repo)) {
                                throw io.modelcontextprotocol.spec.McpError.builder(-32602)
                                        .message("repo is not valid")
                                        .build();
                            }
                            return text("repository " + req.arguments().get("workspace") + "/" + repo);
                        }),
                        tool("merge_pull_request", repoSchema, (ex, req) -> text("merged (must never run)")),
                        tool("list_commits", repoSchema, (ex, req) -> {
                            Object token =
                                    req.meta() == null ? null : req.meta().get("progressToken");
                            if (token != null) {
                                ex.progressNotification(new ProgressNotification(token, 1.0, 2.0, "first page"));
                            }
                            // An optional "message" is echoed, so a test can make a real answer carry what it needs.
                            Object message = req.arguments().get("message");
                            String echo = message == null ? "" : " " + message;
                            return text((awaitRelease() ? "released" : "timed out") + echo);
                        }))
                .build();

        this.jetty = new Server();
        ServerConnector connector;
        if (tls == null) {
            connector = new ServerConnector(jetty);
        } else {
            org.eclipse.jetty.util.ssl.SslContextFactory.Server factory =
                    new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
            factory.setSslContext(tls);
            connector = new ServerConnector(jetty, factory);
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        ServletHolder servlet = new ServletHolder(transport);
        servlet.setAsyncSupported(true);
        context.addServlet(servlet, "/*");
        if (recording) {
            FilterHolder recorder = new FilterHolder(new RecordingFilter());
            recorder.setAsyncSupported(true);
            context.addFilter(recorder, "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        jetty.setHandler(context);
        try {
            jetty.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the upstream MCP server", e);
        }
        this.port = connector.getLocalPort();
    }

    /** Tells every session, on its GET stream, that the tool list changed. */
    public void toolsListChanged() {
        mcp.notifyToolsListChanged();
    }

    private static SyncToolSpecification tool(
            String name,
            Map<String, Object> schema,
            java.util.function.BiFunction<
                            io.modelcontextprotocol.server.McpSyncServerExchange,
                            io.modelcontextprotocol.spec.McpSchema.CallToolRequest,
                            CallToolResult>
                    handler) {
        return SyncToolSpecification.builder()
                .tool(Tool.builder(name, schema).description(name).build())
                .callHandler(handler)
                .build();
    }

    private static CallToolResult text(String text) {
        return CallToolResult.builder().addTextContent(text).isError(false).build();
    }

    private boolean awaitRelease() {
        try {
            return streamGate.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Lets a waiting {@code list_commits} call finish. */
    public void releaseStream() {
        streamGate.countDown();
    }

    public void resetStreamGate() {
        streamGate = new CountDownLatch(1);
    }

    public String url() {
        return (https ? "https" : "http") + "://127.0.0.1:" + port + "/mcp";
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The JSON-RPC bodies received, in order. */
    public List<String> bodies() {
        return received.stream()
                .filter(r -> r.body() != null && !r.body().isEmpty())
                .map(Received::body)
                .toList();
    }

    public void clear() {
        received.clear();
    }

    @Override
    public void close() {
        try {
            mcp.closeGracefully();
        } catch (RuntimeException ignored) {
            // closing anyway
        }
        try {
            jetty.stop();
        } catch (Exception ignored) {
            // best effort in teardown
        }
    }

    /** Keeps a copy of each request (head and body) and hands the servlet an identical body to read. */
    private final class RecordingFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            byte[] body = http.getInputStream().readAllBytes();
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String name : Collections.list(http.getHeaderNames())) {
                headers.put(name, new ArrayList<>(Collections.list(http.getHeaders(name))));
            }
            received.add(new Received(http.getMethod(), headers, new String(body, StandardCharsets.UTF_8)));
            chain.doFilter(new ReplayedBody(http, body), response);
        }
    }

    private static final class ReplayedBody extends HttpServletRequestWrapper {
        private final byte[] body;

        ReplayedBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new IllegalStateException("synchronous reads only");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }

    static {
        McpJsonDefaults.getMapper(); // fail early if no JSON binding is on the test classpath
    }
}
