package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.testing.ConformanceChecks;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
        return ConformanceChecks.run(
                new ProcessBuilder(
                        conformance.toString(), "server", "--url", url, "--scenario", scenario, "-o", out.toString()),
                out,
                scenario,
                label);
    }
}
