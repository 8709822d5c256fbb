package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.RecordingUpstream;
import io.mcpguard.proxy.testing.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hop to an {@code https://} MCP server: its certificate verified against the configured CA bundle and its name
 * against the URL's host. A server the bundle does not vouch for, or one whose certificate names another host, gets
 * nothing: the exchange fails as "unreachable" and no request is sent to it.
 */
class UpstreamTlsTest {
    @TempDir
    static Path dir;

    private static TestCertificates.Issued ca;
    private static OpaProcess opa;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCertificates.ca("upstream-ca");
        ca.writeCertificate(dir.resolve("ca.crt"));
        TestCertificates.ca("other-ca").writeCertificate(dir.resolve("other-ca.crt"));
        opa = OpaProcess.startWithRepoPolicies();
    }

    @AfterAll
    static void stop() {
        if (opa != null) opa.close();
    }

    @Test
    void a_call_reaches_an_https_server_the_ca_bundle_vouches_for() throws Exception {
        TestCertificates.Issued cert = TestCertificates.server(ca, "upstream");
        try (RecordingUpstream upstream = httpsUpstream(cert);
                ProxyHarness proxy = proxyTo(upstream, "ca.crt")) {
            assertThat(upstream.url()).startsWith("https://");
            HttpResponse<String> answer = initialize(proxy);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("recording-upstream");
            assertThat(upstream.bodies()).anySatisfy(b -> assertThat(b).contains("\"initialize\""));
        }
    }

    @Test
    void a_server_the_bundle_does_not_vouch_for_gets_no_request() throws Exception {
        TestCertificates.Issued cert = TestCertificates.server(ca, "upstream");
        try (RecordingUpstream upstream = httpsUpstream(cert);
                ProxyHarness proxy = proxyTo(upstream, "other-ca.crt")) {
            assertUnreachable(initialize(proxy));
            assertThat(upstream.received()).isEmpty();
        }
    }

    @Test
    void without_a_bundle_the_jdk_trust_store_does_not_vouch_for_a_private_ca() throws Exception {
        TestCertificates.Issued cert = TestCertificates.server(ca, "upstream");
        try (RecordingUpstream upstream = httpsUpstream(cert);
                ProxyHarness proxy = proxyTo(upstream, null)) {
            assertUnreachable(initialize(proxy));
            assertThat(upstream.received()).isEmpty();
        }
    }

    @Test
    void a_certificate_for_another_host_is_refused_even_from_the_right_ca() throws Exception {
        TestCertificates.Issued cert = TestCertificates.serverNamed(ca, "elsewhere.example.test");
        try (RecordingUpstream upstream = httpsUpstream(cert);
                ProxyHarness proxy = proxyTo(upstream, "ca.crt")) {
            assertUnreachable(initialize(proxy));
            assertThat(upstream.received()).isEmpty();
        }
    }

    @Test
    void the_era_bridge_opens_its_session_over_the_same_verified_https() throws Exception {
        TestCertificates.Issued cert = TestCertificates.server(ca, "upstream");
        try (RecordingUpstream upstream = httpsUpstream(cert);
                ProxyHarness proxy = proxyTo(upstream, "ca.crt")) {
            HttpResponse<String> answer = modernToolsList(proxy);

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("\"resultType\":\"complete\"", "\"tools\"");
            assertThat(upstream.bodies()).anySatisfy(b -> assertThat(b).contains("\"initialize\""));
        }
    }

    @Test
    void the_era_bridge_opens_no_session_with_a_server_the_bundle_does_not_vouch_for() throws Exception {
        TestCertificates.Issued cert = TestCertificates.server(ca, "upstream");
        try (RecordingUpstream upstream = httpsUpstream(cert);
                ProxyHarness proxy = proxyTo(upstream, "other-ca.crt")) {
            HttpResponse<String> answer = modernToolsList(proxy);

            assertThat(answer.body())
                    .contains("-32005", "did not open a session")
                    .doesNotContain("recording-upstream");
            assertThat(upstream.received()).isEmpty();
        }
    }

    /** A 2026-07-28 tools/list: the bridge must first open a legacy session with the server. */
    private static HttpResponse<String> modernToolsList(ProxyHarness proxy) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                                .header("Content-Type", "application/json")
                                .header("Accept", "application/json, text/event-stream")
                                .header("MCP-Protocol-Version", "2026-07-28")
                                .header("Mcp-Method", "tools/list")
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,"
                                        + "\"method\":\"tools/list\",\"params\":{\"_meta\":{"
                                        + "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON-RPC error of an unreachable server (-32005), and nothing of the server's own answer. */
    private static void assertUnreachable(HttpResponse<String> answer) {
        assertThat(answer.body()).contains("-32005").doesNotContain("recording-upstream");
    }

    private static RecordingUpstream httpsUpstream(TestCertificates.Issued cert) {
        return new RecordingUpstream(true, Duration.ofSeconds(15), cert.sslContext(ca.certificate()));
    }

    private static ProxyHarness proxyTo(RecordingUpstream upstream, String caFile) {
        return new ProxyHarness(
                upstream.url(),
                opa.url(),
                caFile == null
                        ? Map.of()
                        : Map.of("upstream.tls.ca-file", dir.resolve(caFile).toString()));
    }

    private static HttpResponse<String> initialize(ProxyHarness proxy) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                                .header("Content-Type", "application/json")
                                .header("Accept", "application/json, text/event-stream")
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString(IdentityThroughProxyTest.initialize()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
