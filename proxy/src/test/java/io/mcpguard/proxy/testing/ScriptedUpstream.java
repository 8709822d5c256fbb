package io.mcpguard.proxy.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * An HTTP server on loopback that answers each POST with what the test scripts: a status, a content type and a
 * body written in the given pieces, each flushed on its own (chunked), with the test able to hold the next piece
 * back. For exercising the proxy's answer path byte by byte where a real MCP server cannot be steered that finely.
 */
public final class ScriptedUpstream implements AutoCloseable {

    /** One piece of an answer; {@code before} runs (and may block) before the piece is written. */
    public record Piece(byte[] bytes, Runnable before) {
        public static Piece of(String text) {
            return new Piece(text.getBytes(StandardCharsets.UTF_8), () -> {});
        }

        public static Piece after(Runnable before, String text) {
            return new Piece(text.getBytes(StandardCharsets.UTF_8), before);
        }
    }

    /** What to answer, with any other response headers (a {@code Content-Encoding}, a {@code Server}). */
    public record Answer(int status, String contentType, List<Piece> pieces, Map<String, String> headers) {
        public Answer(int status, String contentType, List<Piece> pieces) {
            this(status, contentType, pieces, Map.of());
        }
    }

    private final HttpServer server;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<Map<String, List<String>>> requestHeaders = new CopyOnWriteArrayList<>();
    private final List<String> requestTargets = new CopyOnWriteArrayList<>();
    private volatile Function<String, Answer> script = body -> new Answer(202, null, List.of());

    public ScriptedUpstream() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/mcp", this::handle);
        server.start();
    }

    public void script(Function<String, Answer> script) {
        this.script = script;
    }

    /** Forgets what was received, for the next test. */
    public void clear() {
        bodies.clear();
        requestHeaders.clear();
        requestTargets.clear();
    }

    public List<String> bodies() {
        return List.copyOf(bodies);
    }

    /** The headers of each request received, in order (names as the JDK server reports them: capitalised). */
    public List<Map<String, List<String>>> requestHeaders() {
        return List.copyOf(requestHeaders);
    }

    /** The method and request target (path and query, as sent) of each request received, in order. */
    public List<String> requestTargets() {
        return List.copyOf(requestTargets);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/mcp";
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        bodies.add(body);
        requestHeaders.add(Map.copyOf(exchange.getRequestHeaders()));
        requestTargets.add(
                exchange.getRequestMethod() + " " + exchange.getRequestURI().toString());
        Answer answer = script.apply(body);
        if (answer.contentType() != null) {
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        }
        answer.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        if (answer.pieces().isEmpty()) {
            exchange.sendResponseHeaders(answer.status(), -1);
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(answer.status(), 0); // chunked
        try (OutputStream out = exchange.getResponseBody()) {
            for (Piece piece : answer.pieces()) {
                piece.before().run();
                out.write(piece.bytes());
                out.flush();
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
