package io.mcpguard.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The MCP reference server {@code @modelcontextprotocol/server-everything} ({@code scripts/tools.sh everything}) in
 * its Streamable HTTP mode on a loopback port: a server nobody here wrote that serves prompts, resources and resource
 * templates. It listens on every interface and has no option against it, so a preloaded script binds it to
 * 127.0.0.1; and its {@code get-env} tool prints its whole environment, so it starts with an empty one (PATH aside).
 */
public final class EverythingServer implements AutoCloseable {
    private final int port = Tools.freePort();
    private final Process process;

    public EverythingServer() {
        Path server = Tools.tool("everything");
        Path loopback;
        try {
            loopback = Path.of(Objects.requireNonNull(EverythingServer.class.getResource("/loopback-only.cjs"))
                    .toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        ProcessBuilder builder = new ProcessBuilder(server.toString(), "streamableHttp").redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        String path = env.get("PATH");
        env.clear();
        env.put("PATH", path);
        env.put("PORT", Integer.toString(port));
        env.put("NODE_OPTIONS", "--require " + loopback);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + server, e);
        }
        CountDownLatch listening = new CountDownLatch(1);
        StringBuilder seen = new StringBuilder();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader lines = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = lines.readLine()) != null; ) {
                            synchronized (seen) {
                                if (seen.length() < 4096) {
                                    seen.append(line).append('\n');
                                }
                            }
                            if (line.contains("listening on port " + port)) {
                                listening.countDown();
                            }
                        }
                    } catch (IOException e) {
                        // the process ended; waiting below reports it
                    }
                },
                "server-everything-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!listening.await(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                synchronized (seen) {
                    throw new IllegalStateException("server-everything did not start listening; it printed:\n" + seen);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while starting server-everything", e);
        }
    }

    /** Its MCP endpoint. */
    public String url() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
