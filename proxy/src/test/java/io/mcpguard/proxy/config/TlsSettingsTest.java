package io.mcpguard.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsSettingsTest {
    @TempDir
    Path dir;

    private String listener(String more) throws Exception {
        Files.writeString(dir.resolve("tls.crt"), "x");
        Files.writeString(dir.resolve("tls.key"), "x");
        return "listen:\n  tls:\n    enabled: true\n    cert-file: " + dir.resolve("tls.crt") + "\n    key-file: "
                + dir.resolve("tls.key") + "\n" + more;
    }

    @Test
    void off_by_default_on_both_hops() {
        TlsSettings tls = ProxyConfig.parse("{}", Map.of()).tls();
        assertThat(tls.listener()).isNull();
        assertThat(tls.upstream()).isNull();
    }

    @Test
    void an_enabled_listener_reads_its_files_and_defaults_to_tls_1_3_and_1_2() throws Exception {
        TlsSettings.Listener listener =
                ProxyConfig.parse(listener(""), Map.of()).tls().listener();
        assertThat(listener.certFile()).isEqualTo(dir.resolve("tls.crt"));
        assertThat(listener.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(listener.clientAuth()).isEqualTo(TlsSettings.ClientAuth.NONE);
    }

    @Test
    void protocol_versions_below_tls_1_2_are_refused() throws Exception {
        String yaml = listener("    protocols: [TLSv1.2, TLSv1.1]\n");
        assertThatThrownBy(() -> ProxyConfig.parse(yaml, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'listen.tls.protocols'")
                .hasMessageContaining("TLSv1.1");
        assertThatThrownBy(() -> ProxyConfig.parse(listener(""), Map.of("MCPGUARD_LISTEN_TLS_PROTOCOLS", "TLSv1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'listen.tls.protocols'");
    }

    @Test
    void an_enabled_listener_needs_both_files_and_they_must_exist() {
        assertThatThrownBy(() -> ProxyConfig.parse("listen:\n  tls:\n    enabled: true\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'listen.tls.cert-file' is required")
                .hasMessageContaining("'listen.tls.key-file' is required");
        assertThatThrownBy(() -> ProxyConfig.parse(
                        "listen:\n  tls:\n    enabled: true\n    cert-file: /nonexistent/tls.crt\n"
                                + "    key-file: /nonexistent/tls.key\n",
                        Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no readable file '/nonexistent/tls.crt'");
    }

    @Test
    void client_certificates_need_a_ca_and_subjects_need_client_auth() throws Exception {
        assertThatThrownBy(() -> ProxyConfig.parse(listener("    client-auth: required\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'listen.tls.client-ca-file' is required");
        assertThatThrownBy(() -> ProxyConfig.parse(listener("    client-subjects:\n      agent: [viewer]\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'listen.tls.client-subjects' needs 'listen.tls.client-auth'");
        assertThatThrownBy(() -> ProxyConfig.parse(listener("    client-auth: sometimes\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("expected none, optional or required");
    }

    @Test
    void client_subjects_map_certificate_names_to_roles() throws Exception {
        Files.writeString(dir.resolve("ca.crt"), "x");
        TlsSettings.Listener listener = ProxyConfig.parse(
                        listener(
                                "    client-auth: optional\n    client-ca-file: " + dir.resolve("ca.crt")
                                        + "\n    client-subjects:\n      \"spiffe://example.test/sa/agent\": [\"viewer@acme/*\"]\n"),
                        Map.of())
                .tls()
                .listener();
        assertThat(listener.clientAuth()).isEqualTo(TlsSettings.ClientAuth.OPTIONAL);
        assertThat(listener.clientSubjects())
                .isEqualTo(Map.of("spiffe://example.test/sa/agent", List.of("viewer@acme/*")));
    }

    @Test
    void an_https_upstream_is_accepted_and_a_ca_bundle_needs_one() throws Exception {
        Files.writeString(dir.resolve("ca.crt"), "x");
        ProxyConfig https = ProxyConfig.parse(
                "upstream:\n  url: https://mcp.internal:8443/mcp\n  tls:\n    ca-file: " + dir.resolve("ca.crt") + "\n",
                Map.of());
        assertThat(https.upstream().url().getScheme()).isEqualTo("https");
        assertThat(https.tls().upstream().caFile()).isEqualTo(dir.resolve("ca.crt"));
        assertThatThrownBy(() -> ProxyConfig.parse(
                        "upstream:\n  url: http://127.0.0.1:8080/mcp\n  tls:\n    ca-file: " + dir.resolve("ca.crt")
                                + "\n",
                        Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'upstream.tls.ca-file' needs an https:// 'upstream.url'");
    }
}
