package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.config.TlsSettings;
import io.mcpguard.proxy.testing.TestCertificates;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenerTlsTest {
    @TempDir
    Path dir;

    private TlsSettings.Listener settings(List<String> protocols) {
        return new TlsSettings.Listener(
                dir.resolve("tls.crt"),
                dir.resolve("tls.key"),
                protocols,
                Duration.ofSeconds(10),
                TlsSettings.ClientAuth.NONE,
                null,
                Map.of());
    }

    @Test
    void the_server_engine_enables_only_the_configured_versions_of_tls_1_2_and_1_3() throws IOException {
        TestCertificates.server(TestCertificates.ca("ca"), "proxy").writeTo(dir);

        SSLEngine engine =
                ListenerTls.build(settings(TlsSettings.ALLOWED_PROTOCOLS)).newEngine(ByteBufAllocator.DEFAULT);
        assertThat(engine.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        SSLEngine only13 = ListenerTls.build(settings(List.of("TLSv1.3"))).newEngine(ByteBufAllocator.DEFAULT);
        assertThat(only13.getEnabledProtocols()).containsExactly("TLSv1.3");
    }

    @Test
    void a_key_that_does_not_belong_to_the_certificate_is_refused() throws IOException {
        TestCertificates.Issued ca = TestCertificates.ca("ca");
        TestCertificates.server(ca, "one").writeTo(dir);
        TestCertificates.server(ca, "two").writeCertificate(dir.resolve("tls.crt"));

        assertThatThrownBy(() -> ListenerTls.build(settings(TlsSettings.ALLOWED_PROTOCOLS)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("the key does not belong to the certificate");
        assertThatThrownBy(() -> new ListenerTls(settings(TlsSettings.ALLOWED_PROTOCOLS)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("config key 'listen.tls'");
    }

    @Test
    void a_pkcs1_key_is_refused_with_a_hint_and_without_its_content() throws IOException {
        TestCertificates.server(TestCertificates.ca("ca"), "proxy").writeTo(dir);
        Files.writeString(
                dir.resolve("tls.key"), "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0\n-----END RSA PRIVATE KEY-----\n");

        assertThatThrownBy(() -> ListenerTls.build(settings(TlsSettings.ALLOWED_PROTOCOLS)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("privateKey.encoding: PKCS8")
                .hasMessageNotContaining("c2VjcmV0");
    }
}
