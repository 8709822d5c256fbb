package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's own one-shot requests over real sockets, against a server that answers byte for byte as each test
 * says: a whole answer read, and every way of not getting one (too long, closed early, too slow, nobody listening)
 * failing the call with a message that names the server's fault, never hanging.
 */
class OwnCallsTest {
    private final MultiThreadIoEventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private ServerSocket server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A server on loopback that reads a request's head and then does what {@code answer} does with the socket. */
    private InetSocketAddress serve(Consumer<Socket> answer) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread serving = new Thread(() -> {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                int matched = 0;
                while (matched < 4) { // up to the end of the request's head
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
                }
                answer.accept(socket);
            } catch (IOException e) {
                // the test's own assertions tell
            }
        });
        serving.setDaemon(true);
        serving.start();
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private static void write(Socket socket, String text) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private OwnCalls.Answer call(InetSocketAddress address, long answerMillis, int maxBytes) throws Exception {
        OwnCalls calls = new OwnCalls(address, "127.0.0.1", address.getPort(), null, 1000, answerMillis, maxBytes);
        FullHttpRequest request = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp", Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
        request.headers().set("Host", "127.0.0.1").setInt("Content-Length", 2);
        return calls.send((EventLoop) loops.next(), request).get(10, TimeUnit.SECONDS);
    }

    @Test
    void a_whole_answer_is_read_with_its_status_and_headers() throws Exception {
        InetSocketAddress address = serve(
                socket -> write(socket, "HTTP/1.1 200 OK\r\nMcp-Session-Id: s\r\nContent-Length: 5\r\n\r\nhello"));

        OwnCalls.Answer answer = call(address, 5000, 1024);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.headers().get("Mcp-Session-Id")).isEqualTo("s");
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
    }

    @Test
    void an_answer_longer_than_the_bound_fails_the_call() throws Exception {
        InetSocketAddress address =
                serve(socket -> write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + "x".repeat(100)));

        assertThatThrownBy(() -> call(address, 5000, 10))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("answer could not be read");
    }

    @Test
    void a_server_that_closes_before_answering_fails_the_call() throws Exception {
        InetSocketAddress address = serve(socket -> {});

        assertThatThrownBy(() -> call(address, 5000, 1024)).hasMessageContaining("closed the connection");
    }

    @Test
    void a_server_that_does_not_answer_in_time_fails_the_call() throws Exception {
        InetSocketAddress address = serve(socket -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        assertThatThrownBy(() -> call(address, 200, 1024)).hasMessageContaining("did not answer in time");
    }

    @Test
    void nobody_listening_fails_the_call() throws Exception {
        InetSocketAddress address = serve(socket -> {});
        server.close();

        assertThatThrownBy(() -> call(address, 5000, 1024)).hasMessageContaining("unreachable");
    }
}
