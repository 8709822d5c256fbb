package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.Tools;
import io.mcpguard.proxy.testing.WasmBundles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, refusing and reloading bundles built by the real OPA from copies of the repository's policies. */
class WasmPolicyEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static ProxyConfig.Policy config(Path bundle, Duration reload) {
        return new ProxyConfig.Policy(ProxyConfig.Policy.Engine.WASM, bundle, reload, 1, 16);
    }

    private static byte[] example(String name) throws Exception {
        JsonNode input = JSON.readTree(
                        Tools.repo().resolve("policies/examples/" + name).toFile())
                .get("input");
        return JSON.writeValueAsBytes(input);
    }

    @Test
    void a_policy_using_a_builtin_the_engine_lacks_is_refused_at_load_naming_it() throws Exception {
        Path policies = dir.resolve("policies");
        OpaProcess.copyRepoPolicies(policies);
        Files.writeString(
                policies.resolve("mcp/authz/extra.rego"),
                "package mcp.authz\n\n_probe := crypto.sha256(\"x\")\n",
                StandardCharsets.UTF_8);
        String authz = Files.readString(policies.resolve("mcp/authz/authz.rego"));
        Files.writeString(
                policies.resolve("mcp/authz/authz.rego"),
                authz.replace("_max_shown := 64", "_max_shown := 64 + count(_probe) - 64"));
        Path bundle = WasmBundles.build(policies, dir.resolve("bundle.tar.gz"));

        assertThatThrownBy(() -> new WasmPolicyEngine(config(bundle, Duration.ofHours(1)), "mcp/authz/decision", JSON))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("crypto.sha256")
                .hasMessageContaining("Wasm engine does not provide");
    }

    @Test
    void a_new_bundle_is_picked_up_without_restart_and_a_broken_one_keeps_the_old() throws Exception {
        Path policies = dir.resolve("policies");
        OpaProcess.copyRepoPolicies(policies);
        Path live = dir.resolve("live.tar.gz");
        Files.copy(WasmBundles.build(policies, dir.resolve("v1.tar.gz")), live);
        try (WasmPolicyEngine engine =
                new WasmPolicyEngine(config(live, Duration.ofHours(1)), "mcp/authz/decision", JSON)) {
            byte[] input = example("a-developer-of-acme-reads-an-acme-repository.jsonc");
            String before = engine.evaluate(input).revision();

            Files.writeString(policies.resolve(".manifest"), "{\"revision\": \"v3-test\", \"roots\": [\"mcp\"]}\n");
            Path v3 = WasmBundles.build(policies, dir.resolve("v3.tar.gz"));
            Files.move(v3, live, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            engine.reloadIfChanged();

            assertThat(before).isNotEqualTo("v3-test");
            assertThat(engine.evaluate(input).revision()).isEqualTo("v3-test");
            assertThat(engine.currentRevision().get()).isEqualTo("v3-test");

            try (LogCapture logs = new LogCapture(WasmPolicyEngine.class.getName())) {
                Files.write(live, new byte[] {1, 2, 3});
                engine.reloadIfChanged();
                assertThat(logs.lines())
                        .anySatisfy(line -> assertThat(line.text()).contains("new Wasm policy bundle refused"));
            }
            Decision still = engine.evaluate(input);
            assertThat(still.revision()).isEqualTo("v3-test");
            assertThat(still.allow()).isTrue();
        }
    }

    @Test
    void decisions_carry_the_manifest_revision_and_a_decision_id_of_the_proxy() throws Exception {
        Path bundle = WasmBundles.buildRepoPolicies(dir);
        try (WasmPolicyEngine engine =
                new WasmPolicyEngine(config(bundle, Duration.ofHours(1)), "mcp/authz/decision", JSON)) {
            Decision decision = engine.evaluate(example("a-viewer-may-not-create-a-pull-request.jsonc"));

            assertThat(decision.allow()).isFalse();
            assertThat(decision.revision())
                    .isEqualTo(JSON.readTree(
                                    Tools.repo().resolve("policies/.manifest").toFile())
                            .get("revision")
                            .asText());
            assertThat(decision.decisionId())
                    .as("the proxy's own, with no OPA decision log")
                    .startsWith("mcpguard-");
        }
    }

    /** ProxyServer hands the engine the decoder's mapper (big integers, exact decimals): it must load and decide alike. */
    @Test
    void the_proxy_s_exact_number_mapper_loads_the_bundle_and_decides() throws Exception {
        Path bundle = WasmBundles.buildRepoPolicies(dir);
        ObjectMapper exact = new JsonRpcDecoder(64, 1 << 20, 32).mapper();
        try (WasmPolicyEngine engine =
                        new WasmPolicyEngine(config(bundle, Duration.ofHours(1)), "mcp/authz/decision", exact);
                WasmPolicyEngine plain =
                        new WasmPolicyEngine(config(bundle, Duration.ofHours(1)), "mcp/authz/decision", JSON)) {
            byte[] input = example("a-developer-of-acme-reads-an-acme-repository.jsonc");
            Decision decision = engine.evaluate(input);

            assertThat(decision.allow()).isTrue();
            assertThat(JSON.readTree(JSON.writeValueAsBytes(decision.result())))
                    .isEqualTo(JSON.readTree(
                            JSON.writeValueAsBytes(plain.evaluate(input).result())));
        }
    }
}
