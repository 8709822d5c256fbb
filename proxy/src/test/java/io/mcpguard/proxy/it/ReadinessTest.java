package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.ProxyStack;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /readyz} is 200 only when a policy is loaded, the guarded server is reachable and the spool is writable, and
 * says what is missing otherwise; {@code /healthz} stays liveness. Both answer whatever Host the kubelet sends.
 */
class ReadinessTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.with(Map.of());

    private static HttpResponse<String> get(String baseUrl, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(baseUrl + path))
                        .timeout(Duration.ofSeconds(20))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void ready_when_the_policy_the_server_and_the_spool_are_there() throws Exception {
        HttpResponse<String> ready = get(stack.proxy().baseUrl(), "/readyz");

        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).startsWith("ready");
        assertThat(ready.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void not_ready_while_the_policy_engine_is_away_and_ready_again_after() throws Exception {
        stack.opa().stop();
        HttpResponse<String> away = get(stack.proxy().baseUrl(), "/readyz");
        HttpResponse<String> alive = get(stack.proxy().baseUrl(), "/healthz");
        stack.opa().start();
        HttpResponse<String> back = get(stack.proxy().baseUrl(), "/readyz");

        assertThat(away.statusCode()).isEqualTo(503);
        assertThat(away.body()).contains("policy").doesNotContain("upstream");
        assertThat(alive.statusCode()).as("liveness does not depend on OPA").isEqualTo(200);
        assertThat(back.statusCode()).isEqualTo(200);
    }

    @Test
    void not_ready_when_the_guarded_server_cannot_be_reached() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (ProxyHarness orphan = new ProxyHarness(
                "http://127.0.0.1:" + closedPort + "/mcp", stack.opa().url(), Map.of())) {
            HttpResponse<String> response = get(orphan.baseUrl(), "/readyz");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("upstream: the MCP server is unreachable");
        }
    }

    @Test
    void the_probes_answer_the_pod_address_as_host_which_the_mcp_endpoint_refuses() throws Exception {
        try (java.net.Socket socket =
                new java.net.Socket("127.0.0.1", stack.proxy().port())) {
            socket.getOutputStream()
                    .write("GET /healthz HTTP/1.1\r\nHost: 10.1.2.3:8443\r\nConnection: close\r\n\r\n"
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer =
                    new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200");
        }
        try (java.net.Socket socket =
                new java.net.Socket("127.0.0.1", stack.proxy().port())) {
            socket.getOutputStream()
                    .write("POST /mcp HTTP/1.1\r\nHost: 10.1.2.3:8443\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer =
                    new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 403");
        }
    }
}
