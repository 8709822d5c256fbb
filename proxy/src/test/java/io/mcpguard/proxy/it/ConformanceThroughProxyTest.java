package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The official MCP conformance suite, run against the upstream directly and again through the proxy, scenario by
 * scenario. The proxy must be invisible to a client the policy allows: any check whose outcome differs is a proxy
 * bug, and no check may fail through the proxy.
 *
 * <p>Not compared: {@code server-sse-polling}, which calls the suite's fixture tool {@code test_reconnection}; the
 * policy denies unknown tools, so through the proxy the scenario gets a policy error and its SSE checks do not
 * apply. The scenarios whose names start {@code tools-call-}, {@code prompts-} and {@code resources-} need fixture
 * tools too.
 */
class ConformanceThroughProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path conformance;

    @RegisterExtension
    static final ProxyStack stack =
            ProxyStack.builder().recordingUpstream(false).build();

    @BeforeAll
    static void findConformance() {
        conformance = Tools.tool("conformance");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "server-initialize",
                "ping",
                "tools-list",
                "server-sse-multiple-streams",
                "dns-rebinding-protection"
            })
    void the_proxy_changes_no_check_outcome(String scenario) throws Exception {
        Map<String, String> direct = run(scenario, stack.upstream().url(), "direct");
        Map<String, String> proxied = run(scenario, stack.proxy().mcpUrl(), "proxied");

        assertThat(direct).as("checks of %s run directly", scenario).isNotEmpty();
        assertThat(proxied)
                .as("check outcomes of %s through the proxy vs directly", scenario)
                .isEqualTo(direct);
        assertThat(proxied).as("failed checks through the proxy").doesNotContainValue("FAILURE");
    }

    /** Check id → status (SUCCESS, WARNING, FAILURE) of one scenario run against {@code url}. */
    private static Map<String, String> run(String scenario, String url, String label) throws Exception {
        Path out = Files.createTempDirectory(Path.of("target"), "conformance-" + scenario + "-" + label + "-");
        Process process = new ProcessBuilder(
                        conformance.toString(), "server", "--url", url, "--scenario", scenario, "-o", out.toString())
                .redirectErrorStream(true)
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
                outcomes.put(check.path("id").asText(), status);
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
