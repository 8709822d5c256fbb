package io.mcpguard.proxy.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.transport.ProxyServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy, in this JVM, fronting a stdio MCP server it launches itself ({@code upstream.stdio}), with a real OPA
 * deciding; and the MCP Inspector CLI to drive it. The child's environment comes from {@code env}, the proxy's own.
 */
public final class StdioProxy implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A request naming a subject in this header is that subject (a viewer of acme); a test-side construction. */
    public static final String TEST_SUBJECT = "X-Test-Subject";

    /** Each request's subject: the one its {@link #TEST_SUBJECT} header names, else the usual acme viewer. */
    public static final SubjectResolver BY_HEADER = (ctx, request) -> {
        String id = request.headers().get(TEST_SUBJECT);
        return id == null
                ? TestSubjects.ACME_VIEWER
                : new Subject(
                        id, true, "api_key", List.of("viewer@acme/*"), List.of(), null, List.of(), null, null, null);
    };

    private final ProxyServer server;
    private final int port;

    /**
     * @param stdio the {@code upstream.stdio} section's body (YAML, unindented)
     * @param env the proxy's environment: what {@code env.pass} may hand on, and {@code MCPGUARD_*} overrides
     */
    public StdioProxy(String opaUrl, String stdio, Map<String, String> env, SubjectResolver subjects) {
        String yaml = """
                listen:
                  host: 127.0.0.1
                  port: 0
                upstream:
                  response-timeout: 30s
                  stdio:
                %s
                opa:
                  url: %s
                  timeout: 2s
                """.formatted(stdio.indent(4).stripTrailing(), opaUrl);
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("MCPGUARD_AUTH_MODE", "none");
        all.putIfAbsent("MCPGUARD_AUDIT_ENABLED", "false");
        all.putIfAbsent("MCPGUARD_AUDIT_SPOOL", "memory");
        this.server = new ProxyServer(ProxyConfig.parse(yaml, all), subjects);
        try {
            this.port = server.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A YAML flow sequence of {@code argv}, each item quoted. */
    public static String yamlList(List<String> argv) {
        try {
            return JSON.writeValueAsString(argv);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bitbucket-mcp-core in stdio mode, from this test run's classpath (the reactor built it). */
    public static List<String> coreCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of(java, "-cp", classpath, "io.mcpguard.core.CoreMain", "--stdio");
    }

    /** This JVM's live child processes whose command line contains {@code marker}. */
    public static List<ProcessHandle> children(String marker) {
        return ProcessHandle.current()
                .children()
                .filter(ProcessHandle::isAlive)
                .filter(p -> commandLine(p).contains(marker))
                .toList();
    }

    /**
     * The whole command line, from {@code /proc} (Linux, where the tests run): {@code ProcessHandle.Info} gives none
     * for a command line as long as a Maven test classpath.
     */
    public static String commandLine(ProcessHandle process) {
        try {
            byte[] raw = java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return ""; // gone meanwhile
        }
    }

    public String mcpUrl() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    private boolean closed;

    /** Closes the proxy once; a test may close it early to watch its children end. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            server.close();
        }
    }

    /** Runs the MCP Inspector CLI against this proxy over Streamable HTTP. */
    public InspectorCli.Run inspector(String... args) throws IOException, InterruptedException {
        return InspectorCli.run(mcpUrl(), List.of(args));
    }
}
