package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.RecordingUpstream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's GET stream is long-lived: it must outlive the proxy's idle timeout as long as the server's
 * keep-alives flow, while a connection on which nothing moves is closed.
 */
class LongLivedStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static OpaProcess opa;
    private static RecordingUpstream upstream;
    private static ProxyHarness proxy;

    @BeforeAll
    static void startParts() {
        opa = OpaProcess.startWithRepoPolicies();
        upstream = new RecordingUpstream(false, Duration.ofMillis(250));
        proxy = new ProxyHarness(upstream.url(), opa.url(), Map.of("limits.idle-timeout", "1s"));
    }

    @AfterAll
    static void stopParts() {
        if (proxy != null) proxy.close();
        if (upstream != null) upstream.close();
        if (opa != null) opa.close();
    }

    @Test
    void a_get_stream_with_keep_alives_outlives_the_idle_timeout() throws Exception {
        String session = initialize();
        HttpResponse<java.io.InputStream> stream = HTTP.send(
                HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                        .header("Accept", "text/event-stream")
                        .header("Mcp-Session-Id", session)
                        .header("MCP-Protocol-Version", "2025-11-25")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));

        long start = System.nanoTime();
        int pings = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            // Read for three idle timeouts; each keep-alive arrives as its own event, as the server sends it, and
            // is answered the way a client answers any server request: a POST carrying a JSON-RPC response.
            while (System.nanoTime() - start < Duration.ofSeconds(3).toNanos()) {
                String line = lines.readLine();
                assertThat(line).as("the stream ended after %d pings", pings).isNotNull();
                if (line.startsWith("data:") && line.contains("\"ping\"")) {
                    pings++;
                    JsonNode ping = JSON.readTree(line.substring("data:".length()));
                    HttpResponse<String> answer = post(
                            session,
                            JSON.createObjectNode()
                                    .put("jsonrpc", "2.0")
                                    .set("id", ping.get("id"))
                                    .toString()
                                    .replace("}", ",\"result\":{}}"));
                    assertThat(answer.statusCode())
                            .as("answer to a server ping")
                            .isEqualTo(202);
                }
            }
        }
        assertThat(pings).isGreaterThanOrEqualTo(6);
    }

    @Test
    void a_connection_on_which_nothing_moves_is_closed_after_the_idle_timeout() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            socket.setSoTimeout(10_000);

            assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
        }
    }

    private static String initialize() throws Exception {
        HttpResponse<String> init = post(null, """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",\
                "capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return session;
    }

    private static HttpResponse<String> post(String session, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            request.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
