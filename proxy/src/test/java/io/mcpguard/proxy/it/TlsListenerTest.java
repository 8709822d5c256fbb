package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.RecordingUpstream;
import io.mcpguard.proxy.testing.TestCertificates;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener speaking TLS, with certificates the test makes: an MCP call through it to a real OPA and MCP server,
 * a certificate rotated on disk while a connection stays open, and clients offering TLS 1.0 and 1.1 refused.
 */
class TlsListenerTest {
    @TempDir
    static Path dir;

    private static TestCertificates.Issued ca;
    private static TestCertificates.Issued first;
    private static OpaProcess opa;
    private static RecordingUpstream upstream;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() throws IOException {
        ca = TestCertificates.ca("test-ca");
        first = TestCertificates.server(ca, "proxy-first");
        first.writeTo(dir);
        opa = OpaProcess.startWithRepoPolicies();
        upstream = new RecordingUpstream(true, Duration.ofSeconds(15));
        proxy = new ProxyHarness(
                upstream.url(),
                opa.url(),
                Map.of(
                        "listen.tls.enabled",
                        "true",
                        "listen.tls.cert-file",
                        dir.resolve("tls.crt").toString(),
                        "listen.tls.key-file",
                        dir.resolve("tls.key").toString(),
                        "listen.tls.reload-interval",
                        "200ms"));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (upstream != null) upstream.close();
        if (opa != null) opa.close();
    }

    @Test
    void an_mcp_call_goes_through_the_tls_listener_to_the_policy_and_the_server() {
        McpSyncClient client = McpClient.sync(
                        HttpClientStreamableHttpTransport.builder("https://127.0.0.1:" + proxy.port())
                                .endpoint("/mcp")
                                .customizeClient(b -> b.sslContext(TestCertificates.trusting(ca.certificate())))
                                .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        try {
            client.initialize();
            CallToolResult result = client.callTool(CallToolRequest.builder("get_repository")
                    .arguments(Map.of("workspace", "acme", "repo", "api"))
                    .build());
            assertThat(((TextContent) result.content().get(0)).text()).isEqualTo("repository acme/api");
            assertThat(upstream.bodies()).anySatisfy(b -> assertThat(b).contains("get_repository"));
        } finally {
            client.closeGracefully();
        }
    }

    @Test
    void plain_http_to_the_tls_listener_gets_no_http_answer() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = socket.getInputStream().readNBytes(5);
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/");
        }
    }

    @Test
    void a_rotated_certificate_is_served_to_new_connections_while_an_open_one_keeps_working() throws Exception {
        try (SSLSocket open = connect();
                LogCapture logs = new LogCapture("io.mcpguard.proxy.transport")) {
            assertThat(served(open)).isEqualTo(servedToNewConnection());
            X509Certificate before = served(open);
            assertThat(healthz(open)).isEqualTo(200);

            // Half a rotation: the new certificate, the old key. It must not be served (every handshake would fail).
            TestCertificates.Issued next = TestCertificates.server(ca, "proxy-next");
            next.writeCertificate(dir.resolve("tls.crt"));
            await(() -> logs.lines().stream().anyMatch(l -> l.text().contains("tls.reload_failed")));
            assertThat(servedToNewConnection()).isEqualTo(before);

            // The key arrives: new connections get the new certificate, without a restart.
            next.writeTo(dir);
            await(() -> servedToNewConnection().equals(next.certificate()));

            // The connection opened before the rotation still has its session and still answers.
            assertThat(healthz(open)).isEqualTo(200);
            assertThat(open.getSession().getPeerCertificates()[0]).isEqualTo(before);
        } finally {
            first.writeTo(dir); // back to the first, for the other tests' ordering independence
        }
    }

    @Test
    void clients_offering_only_tls_1_0_or_1_1_are_refused_with_a_protocol_version_alert() throws IOException {
        assertThat(firstRecord(0x0301)).as("TLS 1.0").containsExactly(21, 2, 70);
        assertThat(firstRecord(0x0302)).as("TLS 1.1").containsExactly(21, 2, 70);
        // The same hand-made hello offering TLS 1.2 gets a ServerHello: the refusals above are about the version.
        assertThat(firstRecord(0x0303)[0]).as("TLS 1.2").isEqualTo(22);
    }

    @Test
    void a_client_limited_to_tls_1_3_or_1_2_completes_the_handshake() throws IOException {
        for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
            SSLSocket socket = (SSLSocket) TestCertificates.trusting(ca.certificate())
                    .getSocketFactory()
                    .createSocket("127.0.0.1", proxy.port());
            try (socket) {
                socket.setEnabledProtocols(new String[] {protocol});
                socket.startHandshake();
                assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
                assertThat(healthz(socket)).isEqualTo(200);
            }
        }
    }

    private static SSLSocket connect() throws IOException {
        SSLSocket socket = (SSLSocket)
                TestCertificates.trusting(ca.certificate()).getSocketFactory().createSocket("127.0.0.1", proxy.port());
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    private static X509Certificate servedToNewConnection() throws IOException {
        try (SSLSocket socket = connect()) {
            return served(socket);
        }
    }

    private static X509Certificate served(SSLSocket socket) throws IOException {
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }

    /** One keep-alive {@code GET /healthz} on the connection; the status. */
    static int healthz(SSLSocket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed after: " + head);
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return Integer.parseInt(head.substring(9, 12));
    }

    /** Sends a hand-made ClientHello offering {@code version} only; the first record's type and first two bytes. */
    private static int[] firstRecord(int version) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(clientHello(version));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int type = in.readUnsignedByte();
            in.readUnsignedShort(); // record version
            in.readUnsignedShort(); // length
            return new int[] {type, in.readUnsignedByte(), in.readUnsignedByte()};
        }
    }

    /** A minimal ClientHello (RFC 5246 §7.4.1.2) without supported_versions, so {@code version} is all it offers. */
    private static byte[] clientHello(int version) {
        ByteArrayOutputStream hello = new ByteArrayOutputStream();
        u16(hello, version);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        hello.writeBytes(random);
        hello.write(0); // no session id
        int[] suites = {0xc02f, 0xc013, 0x002f, 0x00ff};
        u16(hello, suites.length * 2);
        for (int suite : suites) u16(hello, suite);
        hello.write(1);
        hello.write(0); // null compression
        ByteArrayOutputStream extensions = new ByteArrayOutputStream();
        extensions.writeBytes(new byte[] {0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17}); // groups: secp256r1
        extensions.writeBytes(new byte[] {0x00, 0x0b, 0x00, 0x02, 0x01, 0x00}); // point formats: uncompressed
        if (version >= 0x0303) { // signature_algorithms: rsa_pss_rsae_sha256, rsa_pkcs1_sha256
            extensions.writeBytes(new byte[] {0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x08, 0x04, 0x04, 0x01});
        }
        u16(hello, extensions.size());
        hello.writeBytes(extensions.toByteArray());
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(22); // handshake
        u16(record, 0x0301);
        u16(record, hello.size() + 4);
        record.write(1); // client_hello
        record.write(0);
        u16(record, hello.size());
        record.writeBytes(hello.toByteArray());
        return record.toByteArray();
    }

    private static void u16(ByteArrayOutputStream out, int value) {
        out.write(value >> 8);
        out.write(value & 0xff);
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits for something the watcher does on its own thread; fails loudly after 30 s. */
    private static void await(Condition condition) throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.holds()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("condition not met within 30 s; files in " + dir + ": "
                        + Files.list(dir).toList());
            }
            Thread.sleep(100);
        }
    }
}
