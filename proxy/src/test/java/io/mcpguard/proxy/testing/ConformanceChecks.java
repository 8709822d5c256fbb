package io.mcpguard.proxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** One run of the official conformance suite's {@code server} command, read back as check outcomes. */
public final class ConformanceChecks {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConformanceChecks() {}

    /** How good an outcome is: SUCCESS over WARNING over anything else. */
    public static int rank(String outcome) {
        return switch (outcome) {
            case "SUCCESS" -> 2;
            case "WARNING" -> 1;
            default -> 0;
        };
    }

    /**
     * Runs {@code builder} (the suite's {@code server} command, writing its results under {@code out}) for at most
     * three minutes and returns check id → its worst status; INFO lines are left out, and a check id that repeats (one
     * per case) stands for its worst case.
     */
    public static Map<String, String> run(ProcessBuilder builder, Path out, String scenario, String label)
            throws IOException, InterruptedException {
        Process process = builder.redirectErrorStream(true)
                .redirectOutput(out.resolve("output.txt").toFile())
                .start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("conformance " + scenario + " against " + label + " did not finish");
        }
        Map<String, String> outcomes = new TreeMap<>();
        for (JsonNode check : JSON.readTree(checksFile(out, scenario).toFile())) {
            String status = check.path("status").asText();
            if (!"INFO".equals(status)) {
                outcomes.merge(check.path("id").asText(), status, (a, b) -> rank(a) <= rank(b) ? a : b);
            }
        }
        return outcomes;
    }

    private static Path checksFile(Path out, String scenario) throws IOException {
        try (Stream<Path> files = Files.walk(out)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().equals("checks.json"))
                    .toList();
            if (found.isEmpty()) {
                throw new AssertionError("no checks.json for " + scenario + ":\n"
                        + Files.readString(out.resolve("output.txt"), StandardCharsets.UTF_8));
            }
            return found.get(0);
        }
    }
}
