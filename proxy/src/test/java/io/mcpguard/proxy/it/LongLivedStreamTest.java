package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.RawMcp;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server's GET stream is long-lived: it must outlive the proxy's idle timeout as long as the server's
 * keep-alives flow, while a connection on which nothing moves is closed.
 */
class LongLivedStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    // The server's ping waits one keep-alive interval for its answer: 1 s leaves a loaded machine room to answer
    // through the proxy, and three idle timeouts of 3 s still see six pings or more.
    static final ProxyStack stack = ProxyStack.with(Map.of("limits.idle-timeout", "3s"), Duration.ofSeconds(1));

    @Test
    void a_get_stream_with_keep_alives_outlives_the_idle_timeout() throws Exception {
        String session = RawMcp.initialize(stack.proxy().mcpUrl());
        HttpResponse<java.io.InputStream> stream = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl()))
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
            while (System.nanoTime() - start < Duration.ofSeconds(9).toNanos()) {
                String line = lines.readLine();
                assertThat(line).as("the stream ended after %d pings", pings).isNotNull();
                if (line.startsWith("data:") && line.contains("\"ping\"")) {
                    pings++;
                    JsonNode ping = JSON.readTree(line.substring("data:".length()));
                    ObjectNode pong = JSON.createObjectNode().put("jsonrpc", "2.0");
                    pong.set("id", ping.get("id"));
                    pong.putObject("result");
                    HttpResponse<String> answer = RawMcp.post(stack.proxy().mcpUrl(), session, pong.toString());
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
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), stack.proxy().port())) {
            socket.setSoTimeout(10_000);

            assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
        }
    }

    @Test
    void a_request_sent_behind_the_server_stream_closes_the_connection_and_is_never_forwarded() throws Exception {
        String session = RawMcp.initialize(stack.proxy().mcpUrl());
        URI proxy = URI.create(stack.proxy().mcpUrl());
        String behind = "{\"jsonrpc\":\"2.0\",\"id\":\"behind-the-stream\",\"method\":\"ping\"}";
        try (java.net.Socket socket = new java.net.Socket(proxy.getHost(), proxy.getPort())) {
            String host = proxy.getHost() + ":" + proxy.getPort();
            socket.getOutputStream()
                    .write(("GET /mcp HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/event-stream\r\n"
                                    + "MCP-Protocol-Version: 2025-11-25\r\nMcp-Session-Id: " + session + "\r\n\r\n"
                                    + "POST /mcp HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                                    + "Accept: application/json, text/event-stream\r\nMcp-Session-Id: " + session
                                    + "\r\nContent-Length: " + behind.length() + "\r\n\r\n" + behind)
                            .getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(10_000);
            java.io.InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            while (in.read(buffer) != -1) {
                // the stream's head and keep-alives, if any, until the proxy closes the connection
            }
        }
        assertThat(stack.upstream().received()).noneMatch(r -> r.body().contains("behind-the-stream"));
    }
}
