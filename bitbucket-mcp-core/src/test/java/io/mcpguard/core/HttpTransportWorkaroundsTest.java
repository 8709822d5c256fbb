package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK 2.1.0 defects the core works around, probed with raw HTTP: no stack traces in error bodies, unsupported
 * {@code MCP-Protocol-Version} refused with 400, and SSE keep-alive on an idle GET stream.
 */
class HttpTransportWorkaroundsTest {
    private static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
            + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";
    private static final String LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

    private static CoreFixture core;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        core = CoreFixture.start(
                false, false, new io.mcpguard.core.bitbucket.BitbucketAuth.Anonymous(), Duration.ofSeconds(1));
    }

    @AfterAll
    static void stop() throws Exception {
        core.close();
    }

    private static HttpRequest.Builder post(String body) {
        return HttpRequest.newBuilder(core.core.endpoint())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static String session() throws Exception {
        HttpResponse<String> init = HTTP.send(post(INIT).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).isEqualTo(200);
        String id = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        HTTP.send(
                post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
                        .header("Mcp-Session-Id", id)
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        return id;
    }

    private static void assertJsonRpcError(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode body = CoreFixture.JSON.readTree(response.body());
        assertThat(body.path("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(body.has("id")).isTrue();
        assertThat(body.path("error").path("code").isInt()).isTrue();
        assertThat(body.path("error").path("message").asText()).isNotBlank();
        assertThat(response.body())
                .doesNotContain("stackTrace")
                .doesNotContain("java.")
                .doesNotContain("<html");
    }

    @Test
    void unsupported_protocol_version_header_is_refused_with_400() throws Exception {
        String session = session();
        HttpResponse<String> bad = HTTP.send(
                post(LIST)
                        .header("Mcp-Session-Id", session)
                        .header("MCP-Protocol-Version", "1999-01-01")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertJsonRpcError(bad, 400);
        assertThat(bad.body()).contains("1999-01-01").contains("2025-11-25");
        HttpResponse<String> good = HTTP.send(
                post(LIST)
                        .header("Mcp-Session-Id", session)
                        .header("MCP-Protocol-Version", "2025-11-25")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(good.statusCode()).isEqualTo(200);
        assertThat(good.body()).contains("list_workspaces");
    }

    @Test
    void error_bodies_are_json_rpc_errors_without_stack_traces() throws Exception {
        assertJsonRpcError(
                HTTP.send(
                        post(LIST).header("Mcp-Session-Id", "no-such-session").build(),
                        HttpResponse.BodyHandlers.ofString()),
                404);
        assertJsonRpcError(HTTP.send(post(LIST).build(), HttpResponse.BodyHandlers.ofString()), 400);
        assertJsonRpcError(HTTP.send(post("[" + LIST + "]").build(), HttpResponse.BodyHandlers.ofString()), 400);
        assertJsonRpcError(HTTP.send(post("{not json").build(), HttpResponse.BodyHandlers.ofString()), 400);
        HttpResponse<String> getUnknown = HTTP.send(
                HttpRequest.newBuilder(core.core.endpoint())
                        .header("Accept", "text/event-stream")
                        .header("Mcp-Session-Id", "no-such-session")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertJsonRpcError(getUnknown, 404);
        HttpResponse<String> badOrigin = HTTP.send(
                post(INIT).header("Origin", "https://evil.example").build(), HttpResponse.BodyHandlers.ofString());
        assertJsonRpcError(badOrigin, 403);
    }

    @Test
    void deleted_session_answers_404_as_json() throws Exception {
        String session = session();
        HttpResponse<String> deleted = HTTP.send(
                HttpRequest.newBuilder(core.core.endpoint())
                        .header("Mcp-Session-Id", session)
                        .DELETE()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertJsonRpcError(
                HTTP.send(post(LIST).header("Mcp-Session-Id", session).build(), HttpResponse.BodyHandlers.ofString()),
                404);
    }

    @Test
    void idle_get_stream_receives_keep_alive_traffic() throws Exception {
        String session = session();
        HttpResponse<InputStream> stream = HTTP.send(
                HttpRequest.newBuilder(core.core.endpoint())
                        .header("Accept", "text/event-stream")
                        .header("Mcp-Session-Id", session)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        try (InputStream in = stream.body()) {
            CompletableFuture<String> firstBytes = CompletableFuture.supplyAsync(() -> {
                try {
                    byte[] buffer = new byte[256];
                    int n = in.read(buffer);
                    return n < 0 ? "" : new String(buffer, 0, n, StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    return "error: " + e;
                }
            });
            // keep-alive is 1 s in this fixture; without it the stream stays silent until the first event
            assertThat(firstBytes.get(5, TimeUnit.SECONDS)).contains("ping");
        }
    }

    @Test
    void unknown_paths_are_not_the_mcp_endpoint() throws Exception {
        HttpResponse<String> other = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + core.core.port() + "/admin"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(404);
    }
}
