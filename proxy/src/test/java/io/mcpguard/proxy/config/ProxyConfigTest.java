package io.mcpguard.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigTest {

    @Test
    void defaults_need_no_file() {
        ProxyConfig config = ProxyConfig.load(null, Map.of());

        assertThat(config.listen().host()).isEqualTo("127.0.0.1");
        assertThat(config.listen().port()).isEqualTo(8443);
        assertThat(config.mcpPath()).isEqualTo("/mcp");
        assertThat(config.opa().decisionPath()).isEqualTo("mcp/authz/decision");
        assertThat(config.opa().timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.limits().maxBodyBytes()).isEqualTo(4 * 1024 * 1024);
    }

    @Test
    void the_file_sets_values_with_units() {
        ProxyConfig config = ProxyConfig.parse("""
                upstream:
                  url: http://core:8080/mcp
                  response-timeout: 2m
                opa:
                  timeout: 250ms
                limits:
                  max-body-bytes: 1MiB
                  idle-timeout: PT10M
                """, Map.of());

        assertThat(config.upstream().url().toString()).isEqualTo("http://core:8080/mcp");
        assertThat(config.upstream().responseTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.opa().timeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.limits().maxBodyBytes()).isEqualTo(1024 * 1024);
        assertThat(config.limits().idleTimeout()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void the_environment_overrides_the_file() {
        ProxyConfig config = ProxyConfig.parse(
                "opa:\n  decision-path: a/b\n",
                Map.of("MCPGUARD_OPA_DECISION_PATH", "mcp/authz/decision", "MCPGUARD_LISTEN_PORT", "9000"));

        assertThat(config.opa().decisionPath()).isEqualTo("mcp/authz/decision");
        assertThat(config.listen().port()).isEqualTo(9000);
    }

    @Test
    void every_bad_key_is_named_in_one_error() {
        assertThatThrownBy(() -> ProxyConfig.parse("""
                        upstrem:
                          url: http://x
                        opa:
                          timeout: soon
                        limits:
                          max-body-bytes: 5 apples
                        """, Map.of("MCPGUARD_LISTEN_PORT", "70000")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(p -> assertThat(p).contains("unknown config key 'upstrem.url'"))
                                .anySatisfy(p ->
                                        assertThat(p).contains("'opa.timeout'").contains("got 'soon'"))
                                .anySatisfy(p -> assertThat(p).contains("'limits.max-body-bytes'"))
                                .anySatisfy(p -> assertThat(p)
                                        .contains("'listen.port' (from MCPGUARD_LISTEN_PORT)")
                                        .contains("0 to 65535")));
    }

    @Test
    void a_nul_character_in_a_value_is_a_config_error_not_a_crash() {
        // Found by ProxyConfigFuzzTest: a file name with a NUL failed in Path.of with InvalidPathException.
        assertThatThrownBy(() -> ProxyConfig.parse(
                        "policy:\n  wasm:\n    bundle: \"a\\0b\"\n", Map.of("MCPGUARD_AUDIT_SPOOL_DIR", "x\0y")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config key 'policy.wasm.bundle': a value cannot contain a NUL character")
                .hasMessageContaining(
                        "config key 'audit.spool-dir' (from MCPGUARD_AUDIT_SPOOL_DIR): a value cannot contain a NUL");
    }

    @Test
    void a_key_given_twice_is_an_error() {
        assertThatThrownBy(() -> ProxyConfig.parse("opa:\n  url: http://a:1\nopa:\n  timeout: 1s\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Duplicate field 'opa'");
    }

    @Test
    void urls_paths_and_rule_paths_are_checked() {
        assertThatThrownBy(() -> ProxyConfig.parse("""
                        upstream:
                          url: ftp://core/mcp
                        mcp:
                          path: mcp
                        opa:
                          decision-path: "mcp/authz/../x"
                        """, Map.of()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .hasSize(3)
                                .anySatisfy(p -> assertThat(p).contains("'upstream.url'"))
                                .anySatisfy(p -> assertThat(p).contains("'mcp.path'"))
                                .anySatisfy(p -> assertThat(p).contains("'opa.decision-path'")));
    }

    @Test
    void allowed_hosts_and_origins_are_lists_in_the_file_and_comma_separated_in_the_environment() {
        ProxyConfig fromFile = ProxyConfig.parse("""
                listen:
                  allowed-hosts: [mcp.example.com, localhost]
                  allowed-origins:
                    - https://ide.example.com
                """, Map.of());
        ProxyConfig fromEnv = ProxyConfig.parse(
                "listen:\n  allowed-hosts: [a]\n", Map.of("MCPGUARD_LISTEN_ALLOWED_HOSTS", "mcp.example.com, *"));

        assertThat(fromFile.listen().allowedHosts()).containsExactly("mcp.example.com", "localhost");
        assertThat(fromFile.listen().allowedOrigins()).containsExactly("https://ide.example.com");
        assertThat(fromEnv.listen().allowedHosts()).containsExactly("mcp.example.com", "*");
        assertThat(ProxyConfig.load(null, Map.of()).listen().allowedHosts())
                .containsExactly("localhost", "127.0.0.1", "[::1]");
    }

    @Test
    void a_list_where_a_value_belongs_is_refused() {
        assertThatThrownBy(() -> ProxyConfig.parse("listen:\n  host: [a, b]\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'listen.host': expected a single value");
    }

    @Test
    void the_shipped_example_config_is_valid_and_names_every_default(@TempDir Path dir) throws Exception {
        Path example = Path.of("src/main/resources/mcpguard.example.yaml");
        ProxyConfig fromExample = ProxyConfig.load(example, Map.of());

        assertThat(fromExample).isEqualTo(ProxyConfig.load(null, Map.of()));
        Path missing = dir.resolve("nope.yaml");
        assertThat(Files.exists(missing)).isFalse();
        assertThatThrownBy(() -> ProxyConfig.load(missing, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read config file");
    }

    @Test
    void a_masking_rules_file_must_be_a_readable_file(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.toml");
        Files.writeString(rules, "[[rules]]\nid = \"x\"\nregex = 'x'\n");

        assertThat(ProxyConfig.load(null, Map.of()).mask().rulesFile()).isNull();
        assertThat(ProxyConfig.parse("mask:\n  rules-file: " + rules + "\n", Map.of())
                        .mask()
                        .rulesFile())
                .isEqualTo(rules);
        assertThatThrownBy(() -> ProxyConfig.parse("mask:\n  rules-file: " + dir.resolve("nope.toml") + "\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'mask.rules-file'");
        assertThatThrownBy(() -> ProxyConfig.parse("mask:\n  rules-file: " + dir + "\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'mask.rules-file'");
    }

    @Test
    void the_wasm_engine_needs_an_existing_bundle_and_the_engine_name_is_checked(@TempDir Path dir) throws Exception {
        assertThat(ProxyConfig.load(null, Map.of()).policy().engine()).isEqualTo(ProxyConfig.Policy.Engine.REST);
        assertThatThrownBy(() -> ProxyConfig.parse("policy:\n  engine: wasm\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'policy.wasm.bundle': required with policy.engine: wasm");
        assertThatThrownBy(() -> ProxyConfig.parse(
                        "policy:\n  engine: wasm\n  wasm:\n    bundle: " + dir.resolve("none.tar.gz") + "\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no such file or directory");
        assertThatThrownBy(() -> ProxyConfig.parse("policy:\n  engine: opa\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'policy.engine': expected rest or wasm, got 'opa'");
        Path bundle = Files.createFile(dir.resolve("bundle.tar.gz"));
        ProxyConfig.Policy wasm = ProxyConfig.parse(
                        "policy:\n  engine: wasm\n  wasm:\n    bundle: " + bundle + "\n    instances: 3\n", Map.of())
                .policy();
        assertThat(wasm.engine()).isEqualTo(ProxyConfig.Policy.Engine.WASM);
        assertThat(wasm.wasmBundle()).isEqualTo(bundle);
        assertThat(wasm.wasmInstances()).isEqualTo(3);
    }

    @Test
    void authentication_is_required_by_default_and_accepts_only_asymmetric_algorithms() {
        ProxyConfig.Auth auth = ProxyConfig.load(null, Map.of()).auth();

        assertThat(auth.mode()).isEqualTo(ProxyConfig.Auth.Mode.REQUIRED);
        assertThat(auth.issuer()).isNull();
        assertThat(auth.algorithms()).containsExactly("RS256", "PS256", "ES256");
        assertThatThrownBy(
                        () -> ProxyConfig.parse("auth:\n  algorithms: [RS256, HS256, none]\n  mode: maybe\n", Map.of()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(p -> assertThat(p).contains("'HS256' is not an accepted"))
                                .anySatisfy(p -> assertThat(p).contains("'none' is not an accepted"))
                                .anySatisfy(p -> assertThat(p).contains("'auth.mode'")));
    }

    @Test
    void the_issuer_must_be_https_unless_on_loopback() {
        assertThat(ProxyConfig.parse("auth:\n  issuer: http://127.0.0.1:9000/default\n", Map.of())
                        .auth()
                        .issuer())
                .hasToString("http://127.0.0.1:9000/default");
        assertThatThrownBy(() -> ProxyConfig.parse("auth:\n  issuer: http://login.example.com\n", Map.of()))
                .hasMessageContaining("'auth.issuer'");
        assertThatThrownBy(() -> ProxyConfig.parse(
                        "auth:\n  issuer: https://login.example.com\n  fetch-timeout: 20s\n"
                                + "limits:\n  request-read-timeout: 30s\n",
                        Map.of()))
                .hasMessageContaining("'auth.fetch-timeout' must be at most half");
    }

    @Test
    void method_and_tool_scopes_are_mappings_in_the_file() {
        ProxyConfig.Auth auth = ProxyConfig.parse("""
                        auth:
                          method-scopes:
                            tools/call: [mcp:tools]
                          tool-scopes:
                            merge_pull_request: [repo:admin, repo:write]
                            bitbucket.get: repo:read
                        """, Map.of()).auth();

        assertThat(auth.methodScopes()).containsEntry("tools/call", List.of("mcp:tools"));
        assertThat(auth.toolScopes())
                .containsEntry("merge_pull_request", List.of("repo:admin", "repo:write"))
                .containsEntry("bitbucket.get", List.of("repo:read"));
    }

    @Test
    void the_upstream_credential_comes_from_a_file_or_the_environment_and_never_shows(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("credential");
        Files.writeString(file, "Bearer s3cret-value\n");
        ProxyConfig fromFile = ProxyConfig.parse("upstream:\n  credential-file: " + file + "\n", Map.of());
        ProxyConfig fromEnv = ProxyConfig.parse(
                "upstream:\n  credential-env: CORE_TOKEN\n  credential-header: X-Core-Credential\n",
                Map.of("CORE_TOKEN", "s3cret-env"));

        assertThat(fromFile.upstream().credential().reveal()).isEqualTo("Bearer s3cret-value");
        assertThat(fromEnv.upstream().credential().reveal()).isEqualTo("s3cret-env");
        assertThat(fromEnv.upstream().credentialHeader()).isEqualTo("X-Core-Credential");
        assertThat(fromFile.toString()).doesNotContain("s3cret");
        assertThat(fromEnv.toString()).doesNotContain("s3cret");
        assertThatThrownBy(() -> ProxyConfig.parse("upstream:\n  credential-env: NOT_SET\n", Map.of()))
                .hasMessageContaining("NOT_SET is not set");
        assertThatThrownBy(() -> ProxyConfig.parse("upstream:\n  credential-header: Host\n", Map.of()))
                .hasMessageContaining("'upstream.credential-header'");
    }

    @Test
    void masking_defaults_redact_every_class_and_treat_internal_as_internal() {
        ProxyConfig.Mask mask = ProxyConfig.load(null, Map.of()).mask();

        assertThat(mask.hashKey()).isNull();
        assertThat(mask.internalDomains()).containsExactly("internal");
        assertThat(mask.styles())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("secret", "redact", "personal_data", "redact", "internal_infrastructure", "redact"));
    }

    @Test
    void a_masking_hash_key_must_be_long_enough_and_is_never_shown() {
        assertThatThrownBy(() -> ProxyConfig.parse(
                        "mask:\n  hash-key-env: MASK_KEY\n", Map.of("MASK_KEY", "short-secret-value")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'mask.hash-key-env': the secret needs at least 32 bytes")
                .hasMessageNotContaining("short-secret-value");
        String key = "0123456789abcdef0123456789abcdef";
        ProxyConfig config = ProxyConfig.parse("mask:\n  hash-key-env: MASK_KEY\n", Map.of("MASK_KEY", key));
        assertThat(config.mask().hashKey().reveal()).isEqualTo(key);
        assertThat(config.toString()).doesNotContain(key);
    }

    @Test
    void a_request_state_key_is_a_secret_of_at_least_32_bytes_and_none_by_default() {
        assertThat(ProxyConfig.load(null, Map.of()).upstream().bridge().requestStateKey())
                .isNull();
        assertThatThrownBy(() -> ProxyConfig.parse(
                        "upstream:\n  request-state-key-env: STATE_KEY\n", Map.of("STATE_KEY", "too-short-a-value")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'upstream.request-state-key-env': the secret needs at least 32 bytes")
                .hasMessageNotContaining("too-short-a-value");
        String key = "0123456789abcdef0123456789abcdef";
        ProxyConfig config =
                ProxyConfig.parse("upstream:\n  request-state-key-env: STATE_KEY\n", Map.of("STATE_KEY", key));
        assertThat(config.upstream().bridge().requestStateKey().reveal()).isEqualTo(key);
        assertThat(config.toString()).doesNotContain(key);
    }

    @Test
    void masking_styles_and_domains_are_validated() {
        assertThatThrownBy(() -> ProxyConfig.parse("mask:\n  styles:\n    secret: scramble\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'mask.styles.secret': expected redact, partial or hash");
        assertThatThrownBy(() -> ProxyConfig.parse("mask:\n  internal-domains: [\"bad domain\"]\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'mask.internal-domains'");
        assertThatThrownBy(() -> ProxyConfig.parse(
                        "mask:\n  hash-key-env: A\n  hash-key-file: /x\n", Map.of("A", "x".repeat(40))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("exclude each other");
        assertThat(ProxyConfig.parse("mask:\n  styles:\n    personal-data: hash\n", Map.of())
                        .mask()
                        .styles())
                .containsEntry("personal_data", "hash");
    }

    @Test
    void the_servers_era_decides_whether_modern_clients_are_bridged_within_bounds() {
        ProxyConfig.Bridge defaults = ProxyConfig.parse("", Map.of()).upstream().bridge();
        assertThat(defaults).isEqualTo(new ProxyConfig.Bridge(true, 1000, java.time.Duration.ofMinutes(10)));
        ProxyConfig.Bridge set = ProxyConfig.parse(
                        "upstream:\n  era: modern\n  bridge:\n    max-sessions: 5\n    idle-timeout: 30s\n", Map.of())
                .upstream()
                .bridge();
        assertThat(set).isEqualTo(new ProxyConfig.Bridge(false, 5, java.time.Duration.ofSeconds(30)));
        assertThatThrownBy(() -> ProxyConfig.parse("upstream:\n  era: 2026-07-28\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'upstream.era': expected legacy")
                .hasMessageContaining("got '2026-07-28'");
        assertThatThrownBy(() -> ProxyConfig.parse("upstream:\n  bridge:\n    max-sessions: 0\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("upstream.bridge.max-sessions");
        assertThatThrownBy(() -> ProxyConfig.parse("upstream:\n  bridge:\n    idle-timeout: 10ms\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("upstream.bridge.idle-timeout");
    }

    @Test
    void tool_pins_need_a_readable_manifest_for_warn_and_pin_and_off_may_be_written_unquoted() {
        assertThatThrownBy(() -> ProxyConfig.parse("upstream:\n  tool-pins:\n    mode: pin\n", Map.of()))
                .hasMessageContaining("'upstream.tool-pins.mode' is pin but no manifest is named");
        assertThatThrownBy(() -> ProxyConfig.parse("upstream:\n  tool-pins:\n    mode: strict\n", Map.of()))
                .hasMessageContaining("expected off, warn or pin, got 'strict'");
        assertThatThrownBy(() ->
                        ProxyConfig.parse("upstream:\n  tool-pins:\n    file: /nonexistent/pins.json\n", Map.of()))
                .hasMessageContaining("cannot read /nonexistent/pins.json");
        assertThat(ProxyConfig.parse("upstream:\n  tool-pins:\n    mode: off\n", Map.of())
                        .upstream()
                        .toolPins()
                        .mode())
                .isEqualTo("off");
    }
}
