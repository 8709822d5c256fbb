package io.mcpguard.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real Node programs some tests drive (MCP Inspector CLI, conformance suite), provided by {@code
 * scripts/tools.sh}. A test that needs one fails with the reason when it cannot be had: it never skips.
 */
final class ExternalTools {
    private ExternalTools() {}

    /** The output of a finished process. */
    record Run(int exitCode, String stdout, String stderr) {}

    static Path repoRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("scripts/tools.sh"))) return p;
        }
        throw new AssertionError("scripts/tools.sh not found above " + dir
                + "; it provides the MCP Inspector and conformance CLIs these tests need");
    }

    /** Absolute path of the tool's executable, installing it on first use (slow once, then cached). */
    static String path(String tool) {
        Run run = run(List.of("bash", repoRoot().resolve("scripts/tools.sh").toString(), tool), Map.of(), null, 900);
        String[] lines = run.stdout().strip().split("\n");
        String path = lines[lines.length - 1].strip();
        if (run.exitCode() != 0 || path.isEmpty() || !Files.isExecutable(Path.of(path))) {
            throw new AssertionError("scripts/tools.sh " + tool + " could not provide the tool (exit " + run.exitCode()
                    + "):\n" + run.stderr());
        }
        return path;
    }

    static Run run(List<String> command, Map<String, String> env, Path workDir, int timeoutSeconds) {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command));
        builder.environment().putAll(env);
        if (workDir != null) builder.directory(workDir.toFile());
        try {
            Path out = Files.createTempFile("tool-out", ".txt");
            Path err = Files.createTempFile("tool-err", ".txt");
            builder.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s");
            }
            Run run = new Run(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return run;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }
}
