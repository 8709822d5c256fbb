package io.mcpguard.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mcpguard.proxy.policy.DecisionDiff;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code mcpguard replay --inputs FILE --policy DIR [--against DIR] [--expect KIND[:TOOL]]... [--opa PATH]}: decides
 * every recorded policy input ({@code policy.record.file}) with a policy and prints how the decisions differ — from
 * the decisions recorded, or from a second policy given by {@code --against}. Exit code 1 when a change is not
 * declared expected, so a policy repository's CI can gate on it; 0 otherwise; 2 for a usage error.
 *
 * <p>Each policy directory is served by a real OPA ({@code opa run --server --bundle DIR}) on loopback for the run.
 */
public final class ReplayCommand {
    private static final List<String> KINDS = DecisionDiff.KINDS;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ReplayCommand() {}

    /** One input whose decision changed. */
    record Change(int line, String summary, List<String> kinds, JsonNode before, JsonNode after) {}

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Path inputs = null;
        Path policy = null;
        Path against = null;
        String opa = env.getOrDefault("MCPGUARD_OPA", "opa");
        String decisionPath = "mcp/authz/decision";
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                err.println("mcpguard replay: " + args[i] + " needs a value\n" + usage());
                return 2;
            }
            switch (args[i]) {
                case "--inputs" -> inputs = Path.of(value);
                case "--policy" -> policy = Path.of(value);
                case "--against" -> against = Path.of(value);
                case "--expect" -> expected.add(value);
                case "--opa" -> opa = value;
                case "--decision-path" -> decisionPath = value;
                default -> {
                    err.println("mcpguard replay: unknown argument " + args[i] + "\n" + usage());
                    return 2;
                }
            }
        }
        if (inputs == null || policy == null) {
            err.println("mcpguard replay: --inputs and --policy are required\n" + usage());
            return 2;
        }
        for (String expectation : expected) {
            if (!KINDS.contains(expectation.split(":", 2)[0])) {
                err.println("mcpguard replay: --expect " + expectation + ": the kind is one of " + KINDS);
                return 2;
            }
        }
        try (Opa current = Opa.start(opa, policy);
                Opa candidate = against == null ? null : Opa.start(opa, against)) {
            List<Change> changes = new ArrayList<>();
            int replayed = 0;
            try (BufferedReader reader = Files.newBufferedReader(inputs, StandardCharsets.UTF_8)) {
                String text;
                int line = 0;
                while ((text = reader.readLine()) != null) {
                    line++;
                    if (text.isBlank()) {
                        continue;
                    }
                    JsonNode record = JSON.readTree(text);
                    JsonNode input = record.get("input");
                    if (input == null || !input.isObject()) {
                        err.println("mcpguard replay: " + inputs + " line " + line + " has no input");
                        return 2;
                    }
                    JsonNode decided = current.decide(decisionPath, input);
                    JsonNode before = candidate == null ? record.path("decision") : decided;
                    JsonNode after = candidate == null ? decided : candidate.decide(decisionPath, input);
                    List<String> kinds = DecisionDiff.kinds(before, after);
                    if (!kinds.isEmpty()) {
                        changes.add(new Change(line, summary(input), kinds, before, after));
                    }
                    replayed++;
                }
            }
            return report(replayed, changes, expected, against == null ? "recorded" : policy.toString(), out);
        } catch (IOException | IllegalStateException e) {
            err.println("mcpguard replay: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 2;
        }
    }

    private static String usage() {
        return "usage: mcpguard replay --inputs FILE --policy DIR [--against DIR] [--expect KIND[:TOOL]]..."
                + " [--opa PATH] [--decision-path mcp/authz/decision]\n  kinds: " + String.join(", ", KINDS);
    }

    private static String summary(JsonNode input) {
        JsonNode request = input.path("request");
        String tool = request.path("tool").asText(null);
        return request.path("method").asText("?") + (tool == null ? "" : " " + tool) + " by "
                + input.path("subject").path("id").asText("?") + " "
                + input.path("subject").path("roles");
    }

    private static boolean isExpected(Change change, String kind, List<String> expected) {
        String tool = tool(change.summary());
        for (String expectation : expected) {
            String[] parts = expectation.split(":", 2);
            if (parts[0].equals(kind) && (parts.length == 1 || parts[1].equals(tool))) {
                return true;
            }
        }
        return false;
    }

    private static String tool(String summary) {
        String[] words = summary.split(" ");
        return words.length > 2 && words[0].equals("tools/call") ? words[1] : null;
    }

    private static int report(
            int replayed, List<Change> changes, List<String> expected, String baseline, PrintStream out) {
        out.println("replayed " + replayed + " inputs against the " + baseline + " decisions: " + changes.size()
                + " changed");
        Map<String, Integer> byKind = new TreeMap<>((a, b) -> KINDS.indexOf(a) - KINDS.indexOf(b));
        Map<String, Integer> unexpectedByKind = new LinkedHashMap<>();
        for (Change change : changes) {
            for (String kind : change.kinds()) {
                byKind.merge(kind, 1, Integer::sum);
                if (!isExpected(change, kind, expected)) {
                    unexpectedByKind.merge(kind, 1, Integer::sum);
                }
            }
        }
        byKind.forEach((kind, count) -> out.println("  " + kind + ": " + count
                + (unexpectedByKind.containsKey(kind) ? " (" + unexpectedByKind.get(kind) + " not expected)" : "")));
        for (Change change : changes) {
            out.println();
            out.println("line " + change.line() + ": " + change.summary() + " — " + String.join(", ", change.kinds()));
            out.println("  before: " + verdict(change.before()));
            out.println("  after:  " + verdict(change.after()));
        }
        if (!unexpectedByKind.isEmpty()) {
            out.println();
            out.println("changes not declared expected (--expect KIND[:TOOL]): " + unexpectedByKind);
            return 1;
        }
        return 0;
    }

    private static String verdict(JsonNode decision) {
        return (decision.path("allow").asBoolean(false) ? "allow" : "deny") + " " + decision.path("reasons")
                + (decision.path("mask").isEmpty() ? "" : " mask " + decision.path("mask"));
    }

    /** A real OPA serving one policy directory on loopback. */
    private static final class Opa implements AutoCloseable {
        private final Process process;
        private final URI base;

        private Opa(Process process, URI base) {
            this.process = process;
            this.base = base;
        }

        static Opa start(String binary, Path policy) throws IOException, InterruptedException {
            if (!Files.isDirectory(policy)) {
                throw new IllegalStateException("no policy directory " + policy);
            }
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Process process;
            try {
                process = new ProcessBuilder(
                                binary,
                                "run",
                                "--server",
                                "--addr",
                                "127.0.0.1:" + port,
                                "--log-level",
                                "error",
                                "--bundle",
                                policy.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start OPA ('" + binary + "'; --opa PATH or MCPGUARD_OPA names"
                        + " it): " + e.getMessage());
            }
            Opa opa = new Opa(process, URI.create("http://127.0.0.1:" + port));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "OPA exited with " + process.exitValue() + " loading " + policy + " (run opa check on it)");
                }
                try {
                    HttpResponse<Void> health = HTTP.send(
                            HttpRequest.newBuilder(opa.base.resolve("/health?bundles"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (health.statusCode() == 200) {
                        return opa;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
            opa.close();
            throw new IllegalStateException("OPA did not become ready with " + policy + " within 30 s");
        }

        JsonNode decide(String decisionPath, JsonNode input) throws IOException, InterruptedException {
            byte[] body =
                    JSON.writeValueAsBytes(JsonNodeFactory.instance.objectNode().set("input", input));
            HttpResponse<byte[]> answer = HTTP.send(
                    HttpRequest.newBuilder(base.resolve("/v1/data/" + decisionPath))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("OPA answered HTTP " + answer.statusCode() + " for " + decisionPath);
            }
            JsonNode result = JSON.readTree(answer.body()).get("result");
            if (result == null) {
                throw new IllegalStateException("the policy does not define " + decisionPath);
            }
            return result;
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
