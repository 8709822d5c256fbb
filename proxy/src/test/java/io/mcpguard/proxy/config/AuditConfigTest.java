package io.mcpguard.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditConfigTest {

    @Test
    void the_audit_trail_is_on_by_default_spooled_and_exports_http_protobuf_to_a_local_collector() {
        ProxyConfig.Audit audit = ProxyConfig.load(null, Map.of()).audit();

        assertThat(audit.enabled()).isTrue();
        assertThat(audit.otlpEndpoint()).hasToString("http://127.0.0.1:4318");
        assertThat(audit.otlpProtocol()).isEqualTo("http/protobuf");
        assertThat(audit.serviceName()).isEqualTo("mcpguard-proxy");
        assertThat(audit.subjectHashKey()).isNull();
        assertThat(audit.spoolDir()).hasToString("/var/lib/mcpguard/audit-spool");
        assertThat(audit.recordToolCalls())
                .as("arguments and results are opt-in")
                .isFalse();
        assertThat(audit.recordMaxChars()).isEqualTo(4096);
        assertThat(audit.authFailureBurstThreshold()).isEqualTo(10);
        assertThat(audit.authFailureBurstWindow()).isEqualTo(Duration.ofMinutes(1));
        assertThat(audit.maskingSpikeThreshold()).isEqualTo(100);
        assertThat(audit.maskingSpikeWindow()).isEqualTo(Duration.ofMinutes(5));
        assertThat(audit.denialBurstThreshold()).isEqualTo(20);
        assertThat(audit.denialBurstWindow()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void an_unknown_protocol_and_a_short_hash_key_are_refused_by_name() {
        assertThatThrownBy(() -> ProxyConfig.parse(
                        "audit:\n  otlp-protocol: http/json\n  subject-hash-key-env: AUDIT_KEY\n",
                        Map.of("AUDIT_KEY", "too-short")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(p -> assertThat(p).contains("'audit.otlp-protocol'"))
                                .anySatisfy(p -> assertThat(p)
                                        .contains("'audit.subject-hash-key-env'")
                                        .doesNotContain("too-short")));
    }

    @Test
    void the_hash_key_comes_from_a_file_or_the_environment_never_from_the_config(@TempDir Path dir) throws Exception {
        String key = "k".repeat(40);
        Path file = dir.resolve("key");
        Files.writeString(file, key + "\n");

        assertThat(ProxyConfig.parse("audit:\n  subject-hash-key-file: " + file + "\n", Map.of())
                        .audit()
                        .subjectHashKey()
                        .reveal())
                .isEqualTo(key);
        assertThat(ProxyConfig.parse("audit:\n  subject-hash-key-env: K\n", Map.of("K", key))
                        .audit()
                        .subjectHashKey()
                        .reveal())
                .isEqualTo(key);
        assertThatThrownBy(() -> ProxyConfig.parse("audit:\n  subject-hash-key: " + key + "\n", Map.of()))
                .hasMessageContaining("unknown config key 'audit.subject-hash-key'");
    }

    @Test
    void the_spool_is_on_disk_unless_memory_is_asked_for_by_name() {
        assertThat(ProxyConfig.parse("audit:\n  spool: memory\n", Map.of())
                        .audit()
                        .spoolDir())
                .isNull();
        assertThat(ProxyConfig.parse("audit:\n  spool-dir: /tmp/x\n", Map.of())
                        .audit()
                        .spoolDir())
                .hasToString("/tmp/x");
        assertThat(ProxyConfig.parse("audit:\n  spool-dir: \"\"\n", Map.of())
                        .audit()
                        .spoolDir())
                .as("an empty value is the default, never a silent switch to memory")
                .hasToString("/var/lib/mcpguard/audit-spool");
        assertThatThrownBy(() -> ProxyConfig.parse("audit:\n  spool: none\n", Map.of()))
                .hasMessageContaining("config key 'audit.spool': expected disk or memory, got 'none'");
    }
}
