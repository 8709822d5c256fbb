package io.mcpguard.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the config loader with raw YAML and with documents of known keys and fuzzed values (from the file and from
 * {@code MCPGUARD_*} overrides). Oracles: a bad config is reported with {@link ConfigException} only, never an
 * unchecked exception of some other kind; and no secret value — read from the environment variable or the file a
 * {@code *-env}/{@code *-file} key names — appears in the message, unless the fuzzed input itself spelt it out.
 */
class ProxyConfigFuzzTest {
    private static final String SECRET = "s3cr3t-Value-for-fuzzing-0123456789-abcdef";
    private static final String FILE_SECRET = "file-Secret-value-for-fuzzing-9876543210-zyxw";
    private static final String SECRET_ENV = "FUZZ_SECRET";
    private static final Path SECRET_FILE = secretFile();

    private static final List<String> KEYS = List.of(
            "listen.host",
            "listen.port",
            "listen.allowed-hosts",
            "listen.allowed-origins",
            "mcp.path",
            "upstream.url",
            "upstream.connect-timeout",
            "upstream.response-timeout",
            "upstream.max-connections",
            "upstream.credential-header",
            "upstream.credential-env",
            "upstream.credential-file",
            "opa.url",
            "opa.decision-path",
            "opa.timeout",
            "opa.max-connections",
            "opa.max-pending-decisions",
            "policy-cache.max-entries",
            "policy-cache.max-ttl",
            "policy-cache.revision-check-interval",
            "policy.engine",
            "policy.wasm.bundle",
            "policy.wasm.instances",
            "policy.wasm.max-pending-decisions",
            "policy.record.arguments",
            "policy.record.max-bytes",
            "upstream.tool-pins.mode",
            "upstream.era",
            "upstream.bridge.max-sessions",
            "upstream.bridge.idle-timeout",
            "upstream.request-state-key-env",
            "upstream.request-state-key-file",
            "quota.max-buckets",
            "quota.store",
            "quota.redis.url",
            "quota.redis.username",
            "quota.redis.password-env",
            "quota.redis.password-file",
            "quota.redis.tls-ca-file",
            "limits.max-body-bytes",
            "limits.max-header-bytes",
            "limits.max-json-depth",
            "limits.max-string-length",
            "limits.max-batch-size",
            "limits.request-read-timeout",
            "limits.idle-timeout",
            "limits.max-connections",
            "limits.max-rewrite-bytes",
            "limits.header-timeout",
            "limits.max-argument-bytes",
            "limits.max-argument-depth",
            "limits.max-argument-members",
            "budgets.per-address.connections",
            "budgets.per-subject.in-flight",
            "budgets.per-subject.streams",
            "budgets.per-subject.decisions",
            "mask.hash-key-env",
            "mask.hash-key-file",
            "mask.internal-domains",
            "mask.rules-file",
            "mask.styles.secret",
            "mask.styles.personal_data",
            "auth.mode",
            "auth.issuer",
            "auth.jwks-uri",
            "auth.resource",
            "auth.algorithms",
            "auth.clock-skew",
            "auth.jwks-cache-ttl",
            "auth.jwks-min-refresh-interval",
            "auth.required-scopes",
            "auth.step-up-scope",
            "auth.claims.roles",
            "auth.claims.groups",
            "auth.claims.tenant",
            "auth.api-keys.file",
            "auth.sessions.max",
            "auth.sessions.ttl",
            "auth.sessions.per-subject",
            "auth.method-scopes.tools/list",
            "auth.tool-scopes.get_file",
            "audit.enabled",
            "audit.otlp-endpoint",
            "audit.otlp-protocol",
            "audit.service-name",
            "audit.spool",
            "audit.spool-dir",
            "audit.spool-max-bytes",
            "audit.spool-max-age",
            "audit.spool-key-env",
            "audit.spool-key-file",
            "audit.subject-hash-key-env",
            "audit.subject-hash-key-file",
            "audit.record-tool-calls",
            "audit.record-max-chars",
            "audit.denial-burst-threshold",
            "listen.tls.enabled",
            "listen.tls.client-auth",
            "listen.tls.protocols",
            "listen.tls.client-subjects");
    private static final List<String> VALUES = List.of(
            SECRET_ENV,
            "PATH",
            "",
            "0",
            "-1",
            "65536",
            "2147483648",
            "5s",
            "250ms",
            "PT1S",
            "P1D",
            "1MiB",
            "99999999999GiB",
            "http://127.0.0.1:8181",
            "https://issuer.example",
            "redis://127.0.0.1:6379",
            "true",
            "false",
            "redact",
            "hash",
            "partial",
            "required",
            "api-key",
            "wasm",
            "opa",
            "redis",
            "local",
            "masked",
            "hashed",
            "pin",
            "off",
            "/mcp",
            "/a/../b",
            "target/fuzz-config-secret",
            "~",
            "null",
            "[a, b]",
            "{a: 1}");

    @FuzzTest(maxDuration = "10s")
    void bad_configs_fail_with_a_config_exception_that_names_no_secret(FuzzedDataProvider data) {
        Map<String, String> env = new HashMap<>();
        env.put(SECRET_ENV, SECRET);
        String yaml;
        if (data.consumeBoolean()) {
            yaml = data.consumeRemainingAsString();
        } else {
            StringBuilder doc = new StringBuilder();
            int keys = data.consumeInt(0, 8);
            for (int i = 0; i < keys; i++) {
                String key = data.pickValue(KEYS);
                String value = data.consumeBoolean() ? data.pickValue(VALUES) : data.consumeString(40);
                if (data.consumeBoolean()) {
                    env.put(ConfigSource.envName(key), value);
                } else {
                    doc.append(key).append(": ").append(value).append('\n');
                }
            }
            yaml = doc.toString();
        }
        if (namesAFileOtherThanOurs(yaml)) {
            return; // a fuzzed path could name /dev/zero; reading device files is not what is under test
        }
        String input = yaml + env;
        try {
            ProxyConfig.parse(yaml, env);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
            if (!input.contains(SECRET)) {
                assertThat(e.getMessage()).doesNotContain(SECRET);
            }
            if (!input.contains(FILE_SECRET)) {
                assertThat(e.getMessage()).doesNotContain(FILE_SECRET);
            }
        }
    }

    /** Whether any value in the document (or the document's text) names an existing path other than our file. */
    private static boolean namesAFileOtherThanOurs(String yaml) {
        List<String> values = new ArrayList<>(List.of(yaml.split("[\\s:,\\[\\]{}\"']+")));
        try {
            JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(yaml);
            collect(tree, values);
        } catch (IOException | RuntimeException unparsable) {
            // the loader reports it; the words above still count
        }
        for (String value : values) {
            String stripped = value.strip();
            if (stripped.isEmpty()) {
                continue;
            }
            try {
                Path path = Path.of(stripped);
                if (Files.exists(path) && !Files.isSameFile(path, SECRET_FILE) && !Files.isDirectory(path)) {
                    return true;
                }
            } catch (InvalidPathException | IOException | SecurityException ignored) {
                // not a path
            }
        }
        return false;
    }

    private static void collect(JsonNode node, List<String> values) {
        if (node == null) {
            return;
        }
        if (node.isValueNode()) {
            values.add(node.asText());
        }
        node.fieldNames().forEachRemaining(values::add);
        node.forEach(child -> collect(child, values));
    }

    private static Path secretFile() {
        try {
            Path file = Path.of("target/fuzz-config-secret");
            Files.createDirectories(file.getParent());
            Files.writeString(file, FILE_SECRET + "\n", StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
