package io.mcpguard.proxy.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Hand-written MCP over HTTP, for tests that must send exactly the bytes and headers they choose (malformed
 * bodies, odd headers, sessions driven by hand). Real clients are used everywhere else.
 */
public final class RawMcp {
    public static final String PROTOCOL_VERSION = "2025-11-25";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private RawMcp() {}

    /** A POST-ready request to {@code url} with the content type and accept headers MCP clients send. */
    public static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
    }

    public static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static HttpResponse<String> post(String url, String body) throws IOException, InterruptedException {
        return post(url, null, body);
    }

    /** POSTs {@code body}, inside session {@code session} when it is not null. */
    public static HttpResponse<String> post(String url, String session, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = request(url).POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            request.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", PROTOCOL_VERSION);
        }
        return send(request);
    }

    /** Opens a session (initialize, then notifications/initialized) and returns its id. */
    public static String initialize(String url) throws IOException, InterruptedException {
        HttpResponse<String> init = post(url, """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"%s",\
                "capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""".formatted(PROTOCOL_VERSION));
        String session = init.headers()
                .firstValue("Mcp-Session-Id")
                .orElseThrow(() -> new IllegalStateException(
                        "initialize answered " + init.statusCode() + " without a session: " + init.body()));
        post(url, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return session;
    }
}
