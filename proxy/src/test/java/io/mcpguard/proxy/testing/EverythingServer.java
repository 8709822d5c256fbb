package io.mcpguard.proxy.testing;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The MCP reference server {@code @modelcontextprotocol/server-everything} ({@code scripts/tools.sh everything}) in
 * its Streamable HTTP mode on a loopback port: a server nobody here wrote that serves prompts, resources and resource
 * templates. It listens on every interface and has no option against it, so a preloaded script binds it to
 * 127.0.0.1; and its {@code get-env} tool prints its whole environment, so it starts with an empty one (PATH aside).
 */
public final class EverythingServer implements AutoCloseable {
    private final int port = Tools.freePort();
    private final ServerProcess process;

    public EverythingServer() {
        Path server = Tools.tool("everything");
        Path loopback;
        try {
            loopback = Path.of(Objects.requireNonNull(EverythingServer.class.getResource("/loopback-only.cjs"))
                    .toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        ProcessBuilder builder = new ProcessBuilder(server.toString(), "streamableHttp");
        Map<String, String> env = builder.environment();
        String path = env.get("PATH");
        env.clear();
        env.put("PATH", path);
        env.put("PORT", Integer.toString(port));
        env.put("NODE_OPTIONS", "--require " + loopback);
        process = new ServerProcess(builder, "server-everything", line -> line.contains("listening on port " + port));
    }

    /** Its MCP endpoint. */
    public String url() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    @Override
    public void close() {
        process.close();
    }
}
