package io.mcpguard.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A command line tool the tests run to its end (a CLI from npm), its output kept. */
public final class ProcessRuns {
    private ProcessRuns() {}

    /** How one run ended and what it printed. */
    public record Ended(int exitCode, String stdout, String stderr) {}

    /** Runs {@code builder} for at most two minutes; one that takes longer is killed and fails the test. */
    public static Ended run(ProcessBuilder builder, String name) throws IOException, InterruptedException {
        Process process = builder.start();
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not finish; stderr: " + stderr.getNow(""));
        }
        return new Ended(process.exitValue(), stdout.join(), stderr.join());
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
