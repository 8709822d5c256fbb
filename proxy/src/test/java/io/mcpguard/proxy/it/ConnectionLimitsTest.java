package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.ProxyStack;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Limits on what a client connection may send and hold: time to send a request, header size, Host and Origin. */
class ConnectionLimitsTest {
    @RegisterExtension
    static final ProxyStack stack =
            ProxyStack.with(Map.of("limits.request-read-timeout", "300ms", "limits.max-header-bytes", "2KiB"));

    @Test
    void a_client_trickling_its_headers_gets_408_and_is_disconnected() throws Exception {
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), stack.proxy().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush(); // ...and the rest of the headers never come

            String answer = readUntilClosed(socket.getInputStream());

            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout");
        }
        assertThat(stack.upstream().received()).isEmpty();
    }

    @Test
    void a_client_trickling_its_body_gets_408_and_is_disconnected() throws Exception {
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), stack.proxy().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 100\r\n\r\n{\"jsonrpc\":")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();

            assertThat(readUntilClosed(socket.getInputStream())).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    void a_quick_request_on_a_kept_alive_connection_is_not_timed_by_the_idle_gap_before_it() throws Exception {
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), stack.proxy().port())) {
            socket.setSoTimeout(10_000);
            String health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(health.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200");

            Thread.sleep(600); // longer than the request-read deadline, but the connection is merely idle
            out.write(health.getBytes(StandardCharsets.US_ASCII));
            out.flush();

            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void headers_over_the_limit_get_431() throws Exception {
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), stack.proxy().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(4096) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();

            assertThat(readUntilClosed(socket.getInputStream())).startsWith("HTTP/1.1 431");
        }
        assertThat(stack.upstream().received()).isEmpty();
    }

    @Test
    void a_host_that_is_not_allowed_gets_403_before_the_body_is_read() throws Exception {
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), stack.proxy().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // A DNS-rebound page: the browser sends the attacker's name as Host.
            out.write(("POST /mcp HTTP/1.1\r\nHost: attacker.example:8443\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();

            String answer = readUntilClosed(socket.getInputStream());

            assertThat(answer).startsWith("HTTP/1.1 403").contains("Host \\\"attacker.example:8443\\\" is not allowed");
        }
        assertThat(stack.upstream().received()).isEmpty();
    }

    @Test
    void an_origin_that_is_not_allowed_gets_403_and_a_local_one_passes() throws Exception {
        String ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
        String foreign = exchange("http://attacker.example", ping);
        String local = exchange("http://localhost:6274", ping);

        assertThat(foreign)
                .startsWith("HTTP/1.1 403")
                .contains("Origin \\\"http://attacker.example\\\" is not allowed");
        assertThat(local).doesNotStartWith("HTTP/1.1 403");
    }

    private static String exchange(String origin, String body) throws IOException {
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), stack.proxy().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + stack.proxy().port() + "\r\nOrigin: " + origin
                            + "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                            + "Connection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readUntilClosed(socket.getInputStream());
        }
    }

    private static String readUntilClosed(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /** Reads one response with a Content-Length body (what the proxy's own answers carry). */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) break;
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return head.toString();
    }
}
