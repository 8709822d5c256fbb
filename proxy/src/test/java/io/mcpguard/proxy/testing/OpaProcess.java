package io.mcpguard.proxy.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OPA server ({@code opa run --server}) on a loopback port, loading the repository's {@code policies/} as a
 * bundle so decisions carry the bundle revision, with the decision log on so they carry a decision id. Can be
 * stopped and started again on the same port, to test what the proxy does while OPA is away.
 */
public final class OpaProcess implements AutoCloseable {
    private final Path binary;
    private final Path policies;
    private final int port;
    private final Path log;
    private final boolean watch;
    private Process process;

    public OpaProcess(Path policies) {
        this(policies, false);
    }

    /** @param watch reload the policies when a file under them changes ({@code opa run --watch}) */
    public OpaProcess(Path policies, boolean watch) {
        this.binary = Tools.tool("opa");
        this.policies = policies;
        this.watch = watch;
        this.port = Tools.freePort();
        try {
            this.log = Files.createTempFile("opa-", ".log");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static OpaProcess startWithRepoPolicies() {
        OpaProcess opa = new OpaProcess(Tools.repo().resolve("policies"));
        opa.start();
        return opa;
    }

    /**
     * A watching OPA on a copy of the repository's policies under {@code dir} (the policy files, their data and the
     * manifest), which a test may change while OPA runs.
     */
    public static OpaProcess startWithWatchedCopyOfRepoPolicies(Path dir) {
        copyRepoPolicies(dir);
        OpaProcess opa = new OpaProcess(dir, true);
        opa.start();
        return opa;
    }

    /**
     * Sets the read quota of {@code role} in a copy of the policies made by {@link #copyRepoPolicies} (the {@code
     * mcp.quota} data): a test lowers it to exhaust and watch it refill, a load driver lifts it to measure the path
     * rather than the throttle.
     *
     * @param windowMillis the read window, or null to keep the repository's
     */
    public static void setReadQuota(Path copy, String role, long limit, Long windowMillis) {
        Path file = copy.resolve("mcp/quota/data.json");
        try {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode data =
                    (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(file.toFile());
            data.withObjectProperty("limits").withObjectProperty(role).put("read", limit);
            if (windowMillis != null) {
                data.withObjectProperty("windows_ms").put("read", windowMillis);
            }
            Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(data));
        } catch (IOException e) {
            throw new IllegalStateException("cannot set the read quota in " + file, e);
        }
    }

    /**
     * Puts the example prompt and resource allowances ({@code policies/examples/data/exposure-allowances.jsonc}) into
     * a copy of the policies made by {@link #copyRepoPolicies}: the repository ships them empty (nothing allowed).
     */
    public static void useExampleExposure(Path copy) {
        try {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.JsonNode example = json.readTree(Tools.repo()
                    .resolve("policies/examples/data/exposure-allowances.jsonc")
                    .toFile());
            com.fasterxml.jackson.databind.node.ObjectNode data = json.createObjectNode();
            data.set("allowances", example.get("allowances"));
            Files.writeString(copy.resolve("mcp/exposure/data.json"), json.writeValueAsString(data));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the example exposure data", e);
        }
    }

    /** Copies the repository's policy files, their data and the manifest to {@code dir}, for a test to change. */
    public static void copyRepoPolicies(Path dir) {
        Path source = Tools.repo().resolve("policies");
        try (var files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                Path target = dir.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (name.endsWith(".rego") || name.equals("data.json") || name.equals(".manifest")) {
                    Files.copy(file, target);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot copy the policies", e);
        }
    }

    public Path policies() {
        return policies;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new java.util.ArrayList<>(List.of(
                binary.toString(),
                "run",
                "--server",
                "--addr",
                "127.0.0.1:" + port,
                "--log-level",
                "error",
                "--set",
                "decision_logs.console=true",
                "--bundle",
                policies.toString()));
        if (watch) {
            command.add(2, "--watch");
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start OPA", e);
        }
        awaitHealthy();
    }

    private void awaitHealthy() {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("OPA exited with " + process.exitValue() + "; log: " + tail());
            }
            try {
                HttpResponse<Void> health = http.send(
                        HttpRequest.newBuilder(URI.create(url() + "/health?bundles"))
                                .timeout(Duration.ofSeconds(1))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(50);
        }
        throw new IllegalStateException("OPA did not become healthy; log: " + tail());
    }

    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Freezes the OPA process (SIGSTOP): it still accepts connections but answers nothing, like a hung OPA. */
    public void freeze() {
        signal("STOP");
    }

    /** Thaws a frozen OPA (SIGCONT). */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .inheritIO()
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String tail() {
        try {
            String text = Files.readString(log);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
