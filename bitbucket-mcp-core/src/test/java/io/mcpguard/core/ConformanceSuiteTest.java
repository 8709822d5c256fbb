package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official MCP conformance suite ({@code @modelcontextprotocol/conformance}, pinned in scripts/tools.sh) against
 * the core's HTTP endpoint, for the server scenarios that need no special test tools. The outcome of every check is
 * compared with {@code src/test/resources/conformance/baseline.json}: a new failure breaks the build, and so does an
 * improvement, so the baseline is updated on purpose (the run's result is written to
 * {@code target/conformance/result.json}).
 */
class ConformanceSuiteTest {
    static final List<String> SCENARIOS = List.of(
            "server-initialize",
            "ping",
            "tools-list",
            "logging-set-level",
            "server-sse-multiple-streams",
            "server-sse-polling",
            "dns-rebinding-protection");

    private static CoreFixture core;

    @BeforeAll
    static void start() throws Exception {
        core = CoreFixture.start(false, false);
    }

    @AfterAll
    static void stop() throws Exception {
        core.close();
    }

    @Test
    void outcome_of_every_check_matches_the_baseline() throws Exception {
        String conformance = ExternalTools.path("conformance");
        Path work = Path.of("target", "conformance").toAbsolutePath();
        Files.createDirectories(work);
        ObjectNode actual = CoreFixture.JSON.createObjectNode();
        for (String scenario : SCENARIOS) {
            Path out = Files.createTempDirectory(work, scenario + "-");
            ExternalTools.Run run = ExternalTools.run(
                    List.of(
                            conformance,
                            "server",
                            "--url",
                            core.core.endpoint().toString(),
                            "--scenario",
                            scenario,
                            "-o",
                            out.toString()),
                    Map.of(),
                    work,
                    180);
            ObjectNode checks = actual.putObject(scenario);
            Path file;
            try (Stream<Path> files = Files.walk(out)) {
                file = files.filter(p -> p.getFileName().toString().equals("checks.json"))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no checks.json for " + scenario + " (exit "
                                + run.exitCode() + "):\n" + run.stdout() + run.stderr()));
            }
            for (JsonNode check : CoreFixture.JSON.readTree(file.toFile())) {
                String status = check.path("status").asText();
                if (!status.equals("INFO")) checks.put(check.path("id").asText(), status);
            }
        }
        Files.writeString(
                work.resolve("result.json"),
                CoreFixture.JSON
                        .copy()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(actual));
        JsonNode baseline;
        try (InputStream in = getClass().getResourceAsStream("/conformance/baseline.json")) {
            baseline = CoreFixture.JSON.readTree(in);
        }
        assertThat(actual)
                .as("conformance result (target/conformance/result.json) differs from the baseline")
                .isEqualTo(baseline);
        for (var scenario : actual.properties()) {
            for (var check : scenario.getValue().properties()) {
                assertThat(check.getValue().asText())
                        .as(scenario.getKey() + "/" + check.getKey())
                        .isNotEqualTo("FAILURE");
            }
        }
    }
}
