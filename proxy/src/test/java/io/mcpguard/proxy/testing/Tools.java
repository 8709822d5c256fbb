package io.mcpguard.proxy.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Finds the repository and the pinned external tools; fails loudly when a tool cannot be had. */
public final class Tools {
    private Tools() {}

    public static Path repo() {
        String fromMaven = System.getProperty("mcpguard.repo");
        if (fromMaven != null && Files.exists(Path.of(fromMaven, "scripts", "tools.sh"))) {
            return Path.of(fromMaven);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("scripts/tools.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the repository root (scripts/tools.sh)");
    }

    /** The path of a tool provided by {@code scripts/tools.sh}, building or installing it when missing. */
    public static Path tool(String name) {
        Path script = repo().resolve("scripts/tools.sh");
        try {
            Process process = new ProcessBuilder("bash", script.toString(), name)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(20, TimeUnit.MINUTES) || process.exitValue() != 0 || out.isEmpty()) {
                throw new IllegalStateException("scripts/tools.sh " + name + " failed (exit " + process.exitValue()
                        + "); this test needs the real " + name);
            }
            return Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run scripts/tools.sh " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while providing " + name, e);
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}
