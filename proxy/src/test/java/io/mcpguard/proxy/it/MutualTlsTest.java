package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.RecordingUpstream;
import io.mcpguard.proxy.testing.TestCertificates;
import io.mcpguard.proxy.transport.ProxyServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificates (mTLS) as the credential: the proxy requires one that chains to the client CA, and a
 * certificate whose SAN the config lists identifies the subject the config maps it to — the policy (a real OPA with
 * the repository's policies) then decides on that subject's roles. Authentication is required and no token or API
 * key is configured, so the certificate is the only way in.
 */
class MutualTlsTest {
    private static final String AGENT = "spiffe://example.test/ns/tools/sa/agent";

    @TempDir
    static Path dir;

    private static TestCertificates.Issued serverCa;
    private static TestCertificates.Issued clientCa;
    private static OpaProcess opa;
    private static RecordingUpstream upstream;
    private static ProxyServer proxy;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        serverCa = TestCertificates.ca("server-ca");
        clientCa = TestCertificates.ca("client-ca");
        TestCertificates.server(serverCa, "proxy").writeTo(dir);
        clientCa.writeCertificate(dir.resolve("client-ca.crt"));
        opa = OpaProcess.startWithRepoPolicies();
        upstream = new RecordingUpstream();
        ProxyConfig config = ProxyConfig.parse(
                """
                listen:
                  host: 127.0.0.1
                  port: 0
                  tls:
                    enabled: true
                    cert-file: %s
                    key-file: %s
                    client-auth: required
                    client-ca-file: %s
                    client-subjects:
                      "%s": ["viewer@acme/*"]
                auth:
                  mode: required
                upstream:
                  url: %s
                  response-timeout: 30s
                opa:
                  url: %s
                  timeout: 2s
                audit:
                  enabled: false
                """.formatted(
                                dir.resolve("tls.crt"),
                                dir.resolve("tls.key"),
                                dir.resolve("client-ca.crt"),
                                AGENT,
                                upstream.url(),
                                opa.url()),
                Map.of("MCPGUARD_AUDIT_SPOOL", "memory"));
        proxy = new ProxyServer(config);
        port = proxy.start();
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (upstream != null) upstream.close();
        if (opa != null) opa.close();
    }

    @Test
    void a_listed_client_certificate_is_the_configured_subject_with_its_roles() {
        SSLContext tls = TestCertificates.client(clientCa, "agent", AGENT).sslContext(serverCa.certificate());
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder("https://127.0.0.1:" + port)
                        .endpoint("/mcp")
                        .customizeClient(b -> b.sslContext(tls))
                        .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        try {
            client.initialize();
            // A viewer of acme: the read tools, not the dangerous one.
            List<String> tools =
                    client.listTools().tools().stream().map(Tool::name).toList();
            assertThat(tools).containsExactlyInAnyOrder("get_repository", "list_commits");
            CallToolResult result = client.callTool(CallToolRequest.builder("get_repository")
                    .arguments(Map.of("workspace", "acme", "repo", "api"))
                    .build());
            assertThat(((TextContent) result.content().get(0)).text()).isEqualTo("repository acme/api");
            assertThatThrownBy(() -> client.callTool(CallToolRequest.builder("merge_pull_request")
                            .arguments(Map.of("workspace", "acme", "repo", "api"))
                            .build()))
                    .isInstanceOfSatisfying(
                            McpError.class,
                            e -> assertThat(e.getJsonRpcError().code()).isEqualTo(-32001));
        } finally {
            client.closeGracefully();
        }
    }

    @Test
    void a_certificate_of_the_client_ca_whose_name_is_not_listed_identifies_no_one() throws Exception {
        SSLContext tls = TestCertificates.client(clientCa, "someone-else", "spiffe://example.test/ns/other/sa/x")
                .sslContext(serverCa.certificate());
        int reachedBefore = upstream.received().size();
        HttpResponse<String> answer = HttpClient.newBuilder()
                .sslContext(tls)
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/mcp"))
                                .header("Content-Type", "application/json")
                                .header("Accept", "application/json, text/event-stream")
                                .POST(HttpRequest.BodyPublishers.ofString(IdentityThroughProxyTest.initialize()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(upstream.received()).hasSize(reachedBefore);
    }

    @Test
    void a_client_without_a_certificate_is_refused_in_the_handshake_and_the_refusal_logged() throws Exception {
        try (LogCapture logs = new LogCapture("io.mcpguard.proxy.transport")) {
            assertThatThrownBy(() -> exchange(TestCertificates.trusting(serverCa.certificate())))
                    .isInstanceOf(IOException.class);
            // The server logs once its side of the handshake has ended, which may be just after the client's.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (logs.lines().stream().noneMatch(l -> l.text().contains("security.tls_handshake_failed"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(logs.lines())
                    .anySatisfy(l -> assertThat(l.text())
                            .contains("security.tls_handshake_failed")
                            .contains("Empty client certificate chain"));
        }
    }

    @Test
    void a_listed_name_in_a_certificate_of_another_ca_is_refused_in_the_handshake() {
        TestCertificates.Issued rogueCa = TestCertificates.ca("client-ca"); // same name, other key
        SSLContext tls = TestCertificates.client(rogueCa, "agent", AGENT).sslContext(serverCa.certificate());
        assertThatThrownBy(() -> exchange(tls)).isInstanceOf(IOException.class);
    }

    @Test
    void health_checks_work_with_a_client_certificate() throws IOException {
        SSLContext tls = TestCertificates.client(clientCa, "agent", AGENT).sslContext(serverCa.certificate());
        assertThat(exchange(tls)).isEqualTo(200);
    }

    /** A handshake and one {@code GET /healthz}; the status, or the IOException of a refused handshake. */
    private static int exchange(SSLContext tls) throws IOException {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake(); // under TLS 1.3 the server's refusal arrives with the first read
            return TlsListenerTest.healthz(socket);
        }
    }
}
