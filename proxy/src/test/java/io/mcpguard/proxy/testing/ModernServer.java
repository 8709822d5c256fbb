package io.mcpguard.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A dual-era reference server on the TypeScript SDK v2 ({@code scripts/tools.sh ts-server}, {@code
 * modern-server.mjs}) on a loopback port: it speaks 2026-07-28 to a modern client and opens legacy sessions for a
 * legacy one.
 */
public final class ModernServer implements AutoCloseable {
    private final int port = Tools.freePort();
    private final Process process;

    public ModernServer() {
        try {
            Path dir = Files.createTempDirectory("modern-server");
            // Node resolves the imports from the script's directory: the cached libraries are linked in beside it.
            Files.createSymbolicLink(dir.resolve("node_modules"), Tools.tool("ts-server"));
            Path script = dir.resolve("modern-server.mjs");
            try (InputStream in = ModernServer.class.getResourceAsStream("modern-server.mjs")) {
                Files.copy(in, script);
            }
            process = new ProcessBuilder("node", script.toString(), Integer.toString(port))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the modern reference server", e);
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
                            if (line.equals("listening " + port)) {
                                listening.countDown();
                            }
                        }
                    } catch (IOException e) {
                        // the process ended; what it printed is in seen
                    }
                },
                "modern-server-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!listening.await(60, TimeUnit.SECONDS)) {
                close();
                synchronized (seen) {
                    throw new IllegalStateException("the modern reference server did not start: " + seen);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting the modern reference server", e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
