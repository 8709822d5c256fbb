package io.mcpguard.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A dual-era reference server on the TypeScript SDK v2 ({@code scripts/tools.sh ts-server}, {@code
 * modern-server.mjs}) on a loopback port: it speaks 2026-07-28 to a modern client and opens legacy sessions for a
 * legacy one.
 */
public final class ModernServer implements AutoCloseable {
    private final int port = Tools.freePort();
    private final ServerProcess process;

    public ModernServer() {
        try {
            Path dir = Files.createTempDirectory("modern-server");
            // Node resolves the imports from the script's directory: the cached libraries are linked in beside it.
            Files.createSymbolicLink(dir.resolve("node_modules"), Tools.tool("ts-server"));
            Path script = dir.resolve("modern-server.mjs");
            try (InputStream in = ModernServer.class.getResourceAsStream("modern-server.mjs")) {
                Files.copy(in, script);
            }
            process = new ServerProcess(
                    new ProcessBuilder("node", script.toString(), Integer.toString(port)),
                    "the modern reference server",
                    line -> line.equals("listening " + port));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the modern reference server", e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    @Override
    public void close() {
        process.close();
    }
}
