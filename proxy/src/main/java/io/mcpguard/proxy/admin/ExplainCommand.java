package io.mcpguard.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code mcpguard explain --policy DIR (--input FILE | --decision-id ID --inputs RECORDING) [--opa PATH]}: decides one
 * policy input with a real OPA ({@code opa eval --explain=full}) and prints the decision, its reasons and the rules
 * that produced it, with file and line. The input is a policy input document, a shared example ({@code
 * policies/examples}, its {@code input} member), or — by the {@code decision_id} a {@code -32001} error carries — the
 * line of a policy recording ({@code policy.record.file}) that holds it.
 */
public final class ExplainCommand {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The rules whose holding makes the verdict: the authz package's denials and grants (a concern's function, such
     * as mcp.pinning's denials, holds even when it returns nothing, so it is listed among the rules that held only).
     */
    private static final Set<String> VERDICT_RULES = Set.of("_denials", "_grants");

    private ExplainCommand() {}

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Path policy = null;
        Path inputFile = null;
        Path recording = null;
        String decisionId = null;
        String opa = env.getOrDefault("MCPGUARD_OPA", "opa");
        String decisionPath = "mcp/authz/decision";
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                err.println("mcpguard explain: " + args[i] + " needs a value\n" + usage());
                return 2;
            }
            switch (args[i]) {
                case "--policy" -> policy = Path.of(value);
                case "--input" -> inputFile = Path.of(value);
                case "--inputs" -> recording = Path.of(value);
                case "--decision-id" -> decisionId = value;
                case "--opa" -> opa = value;
                case "--decision-path" -> decisionPath = value;
                default -> {
                    err.println("mcpguard explain: unknown argument " + args[i] + "\n" + usage());
                    return 2;
                }
            }
        }
        if (policy == null
                || (inputFile == null) == (decisionId == null)
                || (decisionId != null && recording == null)) {
            err.println("mcpguard explain: --policy, and either --input or --decision-id with --inputs\n" + usage());
            return 2;
        }
        try {
            JsonNode input =
                    inputFile != null ? inputOf(JSON.readTree(inputFile.toFile())) : recorded(recording, decisionId);
            if (input == null) {
                err.println("mcpguard explain: no decision " + decisionId + " in " + recording
                        + " (decision ids are recorded when OPA's decision log is on)");
                return 1;
            }
            explain(opa, policy, decisionPath, input, out);
            return 0;
        } catch (IOException | IllegalStateException e) {
            err.println("mcpguard explain: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 2;
        }
    }

    private static String usage() {
        return "usage: mcpguard explain --policy DIR (--input FILE | --decision-id ID --inputs RECORDING)"
                + " [--opa PATH] [--decision-path mcp/authz/decision]";
    }

    /** A policy input document, or the {@code input} member of an example or a recording line. */
    private static JsonNode inputOf(JsonNode document) {
        return document.has("input") && document.get("input").isObject() ? document.get("input") : document;
    }

    private static JsonNode recorded(Path recording, String decisionId) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(recording, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.contains(decisionId)) {
                    JsonNode record = JSON.readTree(line);
                    if (decisionId.equals(record.path("decision_id").asText(null))) {
                        return record.get("input");
                    }
                }
            }
        }
        return null;
    }

    private static void explain(String opa, Path policy, String decisionPath, JsonNode input, PrintStream out)
            throws IOException, InterruptedException {
        Path inputFile = Files.createTempFile("mcpguard-explain", ".json");
        try {
            Files.write(inputFile, JSON.writeValueAsBytes(input));
            Process process;
            try {
                process = new ProcessBuilder(
                                opa,
                                "eval",
                                "--bundle",
                                policy.toString(),
                                "--input",
                                inputFile.toString(),
                                "--explain=full",
                                "--format=json",
                                "data." + decisionPath.replace('/', '.'))
                        .redirectErrorStream(false)
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException(
                        "cannot start OPA ('" + opa + "'; --opa PATH or MCPGUARD_OPA names it): " + e.getMessage());
            }
            byte[] output = process.getInputStream().readAllBytes();
            String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("opa eval failed: " + errors.strip());
            }
            JsonNode evaluation = JSON.readTree(output);
            JsonNode decision = evaluation.at("/result/0/expressions/0/value");
            if (decision.isMissingNode()) {
                throw new IllegalStateException("the policy does not define " + decisionPath);
            }
            out.println("decision: " + (decision.path("allow").asBoolean(false) ? "allow" : "deny"));
            out.println("reasons:");
            decision.path("reasons").forEach(reason -> out.println("  - " + reason.asText()));
            if (!decision.path("mask").isEmpty()) {
                out.println("mask: " + decision.path("mask"));
            }
            if (!decision.path("quota").isNull() && !decision.path("quota").isMissingNode()) {
                out.println("quota: " + decision.path("quota"));
            }
            if (!decision.path("obligations").path("require_mfa").isNull()) {
                out.println("step-up: " + decision.path("obligations").path("require_mfa"));
            }
            List<String> verdict = new ArrayList<>();
            Set<String> held = new LinkedHashSet<>();
            for (JsonNode event : evaluation.path("explanation")) {
                JsonNode head = event.path("Node").path("head");
                if (!"Exit".equals(event.path("Op").asText()) || head.isMissingNode()) {
                    continue;
                }
                String where =
                        relative(policy, event.path("Location").path("file").asText("?")) + ":"
                                + event.path("Location").path("row").asInt();
                String rule = where + " " + head.path("name").asText("?");
                if (VERDICT_RULES.contains(head.path("name").asText()) && !verdict.contains(rule)) {
                    verdict.add(rule);
                }
                held.add(rule);
            }
            out.println("produced by:");
            verdict.forEach(rule -> out.println("  " + rule));
            out.println("rules that held (" + held.size() + ", in evaluation order):");
            held.forEach(rule -> out.println("  " + rule));
        } finally {
            Files.deleteIfExists(inputFile);
        }
    }

    private static String relative(Path policy, String file) {
        Path root = policy.toAbsolutePath().normalize();
        Path path = Path.of(file).toAbsolutePath().normalize();
        return path.startsWith(root) ? root.relativize(path).toString() : file;
    }
}
