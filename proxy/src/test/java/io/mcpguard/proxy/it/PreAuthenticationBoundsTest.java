package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.ProxyStack;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a client may hold before anything is known of who it is: a connection that sends nothing is closed at the
 * header deadline (not at the idle timeout, minutes later), and one address holds only so many connections.
 */
class PreAuthenticationBoundsTest {
    @RegisterExtension
    static final ProxyStack stack = ProxyStack.with(Map.of(
            "limits.header-timeout", "1s",
            "limits.idle-timeout", "5m",
            "budgets.per-address.connections", "3"));

    private static Socket connect() throws IOException {
        Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), stack.proxy().port());
        socket.setSoTimeout(15_000);
        return socket;
    }

    @Test
    void a_connection_that_never_sends_a_byte_is_answered_408_at_the_header_deadline() throws Exception {
        try (Socket silent = connect()) { // reads time out after 15 s; the idle timeout is 5 minutes
            String answer = new String(silent.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answer).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    void one_address_holds_at_most_its_connections_and_a_closed_one_frees_its_slot() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket socket = connect();
                // A complete request first: the header deadline is then over, and the connection merely idles.
                assertThat(health(socket)).startsWith("HTTP/1.1 200");
                held.add(socket);
            }

            try (Socket fourth = connect()) {
                assertThat(closedWithoutAnswer(fourth))
                        .as("the fourth connection of one address")
                        .isTrue();
            }

            held.remove(0).close();
            Socket again = null;
            for (int attempt = 0; attempt < 50 && again == null; attempt++) { // the close reaches the proxy shortly
                Socket socket = connect();
                try {
                    if (health(socket).startsWith("HTTP/1.1 200")) {
                        again = socket;
                    } else {
                        socket.close();
                        Thread.sleep(100);
                    }
                } catch (IOException e) {
                    socket.close();
                    Thread.sleep(100);
                }
            }
            assertThat(again).as("a connection once a slot is free").isNotNull();
            held.add(again);
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    private static String health(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                in.readNBytes(Integer.parseInt(line.substring(15).trim()));
            }
        }
        return head.toString();
    }

    /** Whether the proxy closed the connection without answering a request sent on it. */
    private static boolean closedWithoutAnswer(Socket socket) throws IOException {
        try {
            socket.getOutputStream()
                    .write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true; // closed while the request was on its way
        }
    }
}
