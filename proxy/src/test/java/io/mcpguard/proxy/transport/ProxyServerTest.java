package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.testing.ProxyHarness;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proxy assembled from a config and listening on a loopback port, spoken to over raw sockets: each connection
 * stage the channel initializer puts in front of the message path answers what is its to answer. Nothing here needs
 * the policy or the upstream (both point at a closed port): every request is answered before it would reach them.
 */
class ProxyServerTest {
    private static String nowhere;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() throws IOException {
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nowhere = "http://127.0.0.1:" + closed.getLocalPort();
        }
        proxy = new ProxyHarness(
                nowhere + "/mcp",
                nowhere,
                Map.of(
                        "limits.header-timeout", "1s",
                        "limits.max-header-bytes", "2KiB",
                        "limits.max-body-bytes", "1KiB",
                        "limits.max-string-length", "512",
                        "budgets.per-address.connections", "50"));
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(60_000);
        return socket;
    }

    /** Sends {@code request} on a new connection; returns the answer's status line and headers. */
    private static String exchange(String request) throws IOException {
        try (Socket socket = connect(proxy.port())) {
            send(socket, request);
            return readHead(socket.getInputStream());
        }
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return head.toString();
    }

    @Test
    void the_listener_serves_http_and_keeps_the_connection_for_the_next_request() throws IOException {
        try (Socket socket = connect(proxy.port())) {
            send(socket, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 200");
            send(socket, "GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 404");
        }
    }

    @Test
    void headers_over_the_configured_size_get_431() throws IOException {
        assertThat(exchange("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(4096) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 431");
    }

    @Test
    void a_body_over_the_configured_limit_gets_413() throws IOException {
        assertThat(exchange("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Accept: application/json, text/event-stream\r\nContent-Length: 5000\r\n\r\n"))
                .startsWith("HTTP/1.1 413");
    }

    @Test
    void a_connection_that_sends_nothing_gets_408_at_the_header_deadline() throws IOException {
        try (Socket socket = connect(proxy.port())) {
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout");
        }
    }

    @Test
    void connections_beyond_the_limit_are_closed_and_a_closed_server_accepts_none() throws IOException {
        int port;
        try (ProxyHarness limited =
                new ProxyHarness(nowhere + "/mcp", nowhere, Map.of("limits.max-connections", "1"))) {
            port = limited.port();
            try (Socket first = connect(port)) {
                send(first, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                assertThat(readHead(first.getInputStream())).startsWith("HTTP/1.1 200");
                try (Socket second = connect(port)) {
                    send(second, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                    assertThat(second.getInputStream().read())
                            .as("closed without an answer")
                            .isEqualTo(-1);
                }
            }
        }
        assertThatThrownBy(() -> connect(port).close()).isInstanceOf(ConnectException.class);
    }
}
