package io.mcpguard.proxy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Builds a Wasm policy bundle from a policy directory at test time with the real OPA ({@code
 * scripts/build-wasm-bundle.sh}), so tests run on the working tree's Rego, never on a checked-in binary.
 */
public final class WasmBundles {
    private WasmBundles() {}

    /** The repository's {@code policies/} compiled to {@code dir/bundle.tar.gz}. */
    public static Path buildRepoPolicies(Path dir) {
        return build(Tools.repo().resolve("policies"), dir.resolve("bundle.tar.gz"));
    }

    public static Path build(Path policies, Path out) {
        Path script = Tools.repo().resolve("scripts/build-wasm-bundle.sh");
        try {
            Process process = new ProcessBuilder("bash", script.toString(), policies.toString(), out.toString())
                    .redirectErrorStream(true)
                    .start();
            String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(20, TimeUnit.MINUTES) || process.exitValue() != 0 || !Files.isRegularFile(out)) {
                throw new IllegalStateException("opa build -t wasm failed for " + policies + ":\n" + log);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
