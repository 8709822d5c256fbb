package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.config.TlsSettings;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.TestCertificates;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
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

    private TlsSettings.Listener settings(TlsSettings.ClientAuth clientAuth, Path clientCa) {
        return new TlsSettings.Listener(
                dir.resolve("tls.crt"),
                dir.resolve("tls.key"),
                TlsSettings.ALLOWED_PROTOCOLS,
                Duration.ofMillis(100),
                clientAuth,
                clientCa,
                Map.of());
    }

    @Test
    void client_auth_optional_asks_for_a_certificate_and_required_insists_on_one() throws IOException {
        TestCertificates.server(TestCertificates.ca("ca"), "proxy").writeTo(dir);
        Path clientCa = dir.resolve("client-ca.pem");
        Files.writeString(
                clientCa, TestCertificates.pem(TestCertificates.ca("client-ca").certificate()));

        SSLEngine optional = ListenerTls.build(settings(TlsSettings.ClientAuth.OPTIONAL, clientCa))
                .newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine required = ListenerTls.build(settings(TlsSettings.ClientAuth.REQUIRED, clientCa))
                .newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine none =
                ListenerTls.build(settings(TlsSettings.ClientAuth.NONE, null)).newEngine(ByteBufAllocator.DEFAULT);

        assertThat(optional.getWantClientAuth()).isTrue();
        assertThat(optional.getNeedClientAuth()).isFalse();
        assertThat(required.getNeedClientAuth()).isTrue();
        assertThat(none.getWantClientAuth() || none.getNeedClientAuth()).isFalse();
    }

    @Test
    void a_rotation_reaches_new_handshakes_and_half_a_rotation_keeps_the_certificate_in_use() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("ca");
        TestCertificates.Issued first = TestCertificates.server(ca, "first");
        first.writeTo(dir);
        Path clientCa = dir.resolve("client-ca.pem");
        Files.writeString(clientCa, TestCertificates.pem(ca.certificate()));

        try (LogCapture logs = new LogCapture(ListenerTls.class.getName());
                ListenerTls tls = new ListenerTls(settings(TlsSettings.ClientAuth.OPTIONAL, clientCa))) {
            assertThat(served(tls, ca)).isEqualTo(first.certificate());

            // Half a rotation: the new certificate with the old key would fail every handshake; it is not taken.
            TestCertificates.Issued next = TestCertificates.server(ca, "next");
            next.writeCertificate(dir.resolve("tls.crt"));
            await(() -> logs.lines().stream().anyMatch(l -> l.text().contains("event.name=tls.reload_failed")));
            assertThat(served(tls, ca)).isEqualTo(first.certificate());

            // A file gone for a moment is no change: nothing is reloaded or reported.
            Files.delete(dir.resolve("tls.key"));
            tls.check();
            assertThat(logs.lines()).hasSize(2); // loaded, reload_failed

            next.writeTo(dir);
            await(() -> served(tls, ca).equals(next.certificate()));
            assertThat(logs.lines())
                    .filteredOn(l -> l.text().contains("event.name=tls.reloaded"))
                    .singleElement()
                    .satisfies(l -> {
                        assertThat(l.level()).isEqualTo("INFO");
                        assertThat(l.text())
                                .as("the new leaf's expiry, for the rotation's alerting")
                                .contains("not_after="
                                        + next.certificate().getNotAfter().toInstant());
                    });
            assertThat(logs.lines().get(0).text())
                    .startsWith("listener TLS loaded")
                    .contains("not_after=" + first.certificate().getNotAfter().toInstant());

            tls.check(); // the same files again: nothing to reload
            assertThat(logs.lines())
                    .filteredOn(l -> l.text().contains("event.name=tls.reloaded"))
                    .hasSize(1);
        }
    }

    /** The certificate a new connection is served, from a handshake between two embedded channels. */
    private static X509Certificate served(ListenerTls tls, TestCertificates.Issued ca) throws IOException {
        EmbeddedChannel server = new EmbeddedChannel(tls.newHandler(ByteBufAllocator.DEFAULT));
        SslHandler clientTls = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .trustManager(ca.certificate())
                .build()
                .newHandler(ByteBufAllocator.DEFAULT, "127.0.0.1", 443); // the server certificate's IP name
        EmbeddedChannel client = new EmbeddedChannel(clientTls);
        try {
            for (int round = 0; round < 20 && !clientTls.handshakeFuture().isDone(); round++) {
                pass(client, server);
                pass(server, client);
            }
            assertThat(clientTls.handshakeFuture().isSuccess()).as("handshake").isTrue();
            return (X509Certificate) clientTls.engine().getSession().getPeerCertificates()[0];
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    private static void pass(EmbeddedChannel from, EmbeddedChannel to) {
        for (Object bytes = from.readOutbound(); bytes != null; bytes = from.readOutbound()) {
            to.writeInbound(bytes);
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits for what the watcher does on its own thread; fails after ten seconds. */
    private static void await(Condition condition) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!condition.holds()) {
            assertThat(System.nanoTime()).as("condition met within 10 s").isLessThan(deadline);
            Thread.sleep(20); // polling pace only
        }
    }
}
