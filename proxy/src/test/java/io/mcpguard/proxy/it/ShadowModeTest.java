package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.OtelCollectorProcess;
import io.mcpguard.proxy.testing.OtelProperties;
import io.mcpguard.proxy.testing.OtlpJsonSink;
import io.mcpguard.proxy.testing.OtlpJsonSink.ExportedSpan;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.SandboxCore;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow mode through the real core and a real OPA that holds both the repository's policy and a candidate beside
 * it (package {@code mcp.authz_candidate}, which closes {@code get_repository}): the enforced decision still
 * allows the call, and the candidate's disagreement is one log line with its kinds and both sets of reasons, and
 * lands on the message's span as it reaches a real OpenTelemetry Collector; a call both decide alike leaves no line
 * and a span that says they agreed.
 */
class ShadowModeTest {
    private static final Subject VIEWER = new Subject(
            "shadow-viewer",
            true,
            "jwt",
            List.of("viewer@acme/*"),
            List.of(),
            null,
            List.of("pwd"),
            null,
            Instant.now(),
            null);
    private static final String CANDIDATE = """
            package mcp.authz_candidate

            import data.mcp.authz

            decision := object.union(authz.decision, {"allow": false, "reasons": ["candidate: get_repository is closed"]}) if {
            	input.request.tool == "get_repository"
            }

            decision := authz.decision if not input.request.tool == "get_repository"
            """;

    @Test
    void a_candidate_that_would_deny_is_logged_and_never_enforced(@TempDir Path dir) throws Exception {
        OpaProcess.copyRepoPolicies(dir.resolve("policies"));
        Files.createDirectories(dir.resolve("policies/mcp/authz_candidate"));
        Files.writeString(dir.resolve("policies/mcp/authz_candidate/candidate.rego"), CANDIDATE);
        try (SandboxCore core = new SandboxCore();
                OpaProcess opa = started(new OpaProcess(dir.resolve("policies")));
                OtlpJsonSink sink = new OtlpJsonSink();
                OtelCollectorProcess collector = started(new OtelCollectorProcess(sink));
                LogCapture logs = new LogCapture();
                ProxyHarness proxy = OtelProperties.during(
                        OtelProperties.QUICK_EXPORT,
                        () -> new ProxyHarness(
                                core.mcpUrl(),
                                opa.url(),
                                Map.of(
                                        "policy.shadow.decision-path", "mcp/authz_candidate/decision",
                                        "audit.enabled", "true",
                                        "audit.otlp-endpoint", collector.httpEndpoint()),
                                (c, r) -> VIEWER));
                McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(proxy.baseUrl())
                                .endpoint(HttpMcpServer.ENDPOINT)
                                .build())
                        .requestTimeout(Duration.ofSeconds(30))
                        .build()) {
            client.initialize();
            Map<String, Object> acmeApi = Map.of("workspace", "acme", "repo", "payments-api");

            CallToolResult read = client.callTool(
                    CallToolRequest.builder("get_repository").arguments(acmeApi).build());
            CallToolResult branches = client.callTool(
                    CallToolRequest.builder("list_branches").arguments(acmeApi).build());

            assertThat(read.isError()).as("the enforced policy allows it").isNotEqualTo(Boolean.TRUE);
            assertThat(branches.isError()).isNotEqualTo(Boolean.TRUE);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline
                    && logs.lines().stream().noneMatch(l -> l.text().contains("policy.shadow_disagreement"))) {
                Thread.sleep(50);
            }
            Thread.sleep(500); // room for a second, wrong, line to show up
            assertThat(logs.lines())
                    .filteredOn(l -> l.text().contains("event.name=policy.shadow_disagreement"))
                    .singleElement()
                    .satisfies(l -> assertThat(l.text())
                            .contains("kinds=[allow_to_deny, reasons]")
                            .contains("enforced_allow=true", "shadow_allow=false")
                            .contains("candidate: get_repository is closed")
                            .containsPattern("decision_id=\\S+"));

            ExportedSpan closed = serverSpan(sink, "tools/call get_repository");
            assertThat(closed.attributes())
                    .containsEntry("mcp.policy.outcome", "allow")
                    .containsEntry("mcp.policy.shadow.result", "disagree")
                    .containsEntry("mcp.policy.shadow.kinds", List.of("allow_to_deny", "reasons"))
                    .containsEntry("mcp.policy.shadow.allow", false)
                    .containsEntry("mcp.policy.shadow.reasons", List.of("candidate: get_repository is closed"));
            ExportedSpan alike = serverSpan(sink, "tools/call list_branches");
            assertThat(alike.attributes())
                    .containsEntry("mcp.policy.shadow.result", "agree")
                    .containsEntry("mcp.policy.shadow.allow", true)
                    .doesNotContainKey("mcp.policy.shadow.kinds");
        }
    }

    private static ExportedSpan serverSpan(OtlpJsonSink sink, String name) {
        return sink.await(s -> s.kind() == ExportedSpan.SERVER && s.name().equals(name), 1, Duration.ofSeconds(30))
                .get(0);
    }

    private static OtelCollectorProcess started(OtelCollectorProcess collector) {
        collector.start();
        return collector;
    }

    private static OpaProcess started(OpaProcess opa) {
        opa.start();
        return opa;
    }
}
