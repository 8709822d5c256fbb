package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.ConformanceChecks;
import io.mcpguard.proxy.testing.ModernServer;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The official MCP conformance suite's 0.2 line (the 2026-07-28 scenarios; it runs on Node 22, from npm) against the
 * TypeScript SDK v2 reference server directly and again through the proxy, scenario by scenario, in both eras. The
 * proxy must not turn any check's outcome for the worse; where the server itself falls short of the spec and the
 * proxy holds the line (a rebinding Host it refuses), the outcome may only improve. Decided by a real OPA for a viewer
 * of every workspace, so the suite's reads are allowed.
 */
class ModernConformanceThroughProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject VIEWER = new Subject(
            "conformance", true, "jwt", List.of("viewer"), List.of(), null, List.of("pwd"), null, null, null);

    private static Path conformance;
    private static Path node22;

    @RegisterExtension
    @Order(1)
    static final ClassPart<ModernServer> server = ClassPart.of(ModernServer::new);

    @RegisterExtension
    @Order(2)
    static final ProxyStack stack = ProxyStack.builder()
            .upstreamUrl(() -> server.get().url())
            .settings(Map.of("upstream.era", "modern"))
            .subjects((ctx, request) -> VIEWER)
            .build();

    @BeforeAll
    static void findTools() {
        conformance = Tools.tool("conformance-modern");
        node22 = Tools.tool("node22");
    }

    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource({
        "server-stateless, 2026-07-28",
        "tools-list, 2026-07-28",
        "caching, 2026-07-28",
        "http-header-validation, 2026-07-28",
        "http-custom-header-server-validation, 2026-07-28",
        "dns-rebinding-protection, 2026-07-28",
        "server-sse-multiple-streams, 2026-07-28",
        "server-initialize, 2025-11-25",
        "ping, 2025-11-25",
        "tools-list, 2025-11-25"
    })
    void the_proxy_turns_no_check_for_the_worse(String scenario, String version) throws Exception {
        Map<String, String> direct = run(scenario, version, server.get().url(), "direct");
        Map<String, String> proxied = run(scenario, version, stack.proxy().mcpUrl(), "proxied");

        assertThat(direct).as("checks of %s run directly", scenario).isNotEmpty();
        assertThat(proxied.keySet())
                .as("checks of %s through the proxy", scenario)
                .isEqualTo(direct.keySet());
        List<String> worse = new ArrayList<>();
        direct.forEach((check, outcome) -> {
            if (ConformanceChecks.rank(proxied.get(check)) < ConformanceChecks.rank(outcome)) {
                worse.add(check + ": " + outcome + " directly, " + proxied.get(check) + " through the proxy");
            }
        });
        assertThat(worse)
                .as("checks of %s the proxy turned for the worse", scenario)
                .isEmpty();
    }

    /** Check id → its worst status in one run of {@code scenario} against {@code url}. */
    private static Map<String, String> run(String scenario, String version, String url, String label) throws Exception {
        Path out = Files.createTempDirectory(
                Path.of("target"), "conformance-" + scenario + "-" + version + "-" + label + "-");
        ProcessBuilder builder = new ProcessBuilder(
                node22.toString(),
                conformance.toString(),
                "server",
                "--url",
                url,
                "--scenario",
                scenario,
                "--spec-version",
                version,
                "-o",
                out.toString());
        // The suite spawns node itself: Node 22 first on the PATH.
        builder.environment()
                .put(
                        "PATH",
                        node22.getParent()
                                + java.io.File.pathSeparator
                                + builder.environment().get("PATH"));
        return ConformanceChecks.run(builder, out, scenario, label);
    }
}
