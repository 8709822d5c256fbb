package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.RawMcp;
import io.mcpguard.proxy.testing.RecordingUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bodies and requests a careless or hostile client sends. Each gets its defined answer, and nothing of it reaches
 * the upstream, which records every request it receives.
 */
class HostileInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.with(Map.of(
            "limits.max-body-bytes", "64KiB",
            "limits.max-json-depth", "32",
            "limits.max-string-length", "16KiB",
            "limits.max-batch-size", "8"));

    @Test
    void duplicate_keys_are_a_parse_error() throws Exception {
        HttpResponse<String> answer = post("""
                {"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call",\
                "params":{"name":"merge_pull_request"}}""");

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(error(answer).path("code").asInt()).isEqualTo(-32700);
        assertThat(error(answer).path("message").asText()).contains("duplicate key \"method\"");
        assertNothingForwarded();
    }

    @Test
    void oversize_body_is_refused_with_413_before_parsing() throws Exception {
        String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" + "x".repeat(70_000)
                + "\"}}";

        HttpResponse<String> answer = post(big);

        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(error(answer).path("code").asInt()).isEqualTo(-32600);
        assertThat(error(answer).path("message").asText()).contains("exceeds the limit of 65536 bytes");
        assertNothingForwarded();
    }

    @Test
    void a_body_far_over_the_limit_still_gets_its_413_while_the_client_is_sending() throws Exception {
        // 4 MiB against a 64 KiB limit: the proxy answers long before the client has sent it all, so closing at
        // once would reset the connection under the client and lose the answer.
        String huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\""
                + "x".repeat(4 * 1024 * 1024) + "\"}}";

        for (int attempt = 0; attempt < 5; attempt++) {
            HttpResponse<String> answer = post(huge);

            assertThat(answer.statusCode()).isEqualTo(413);
        }
        assertNothingForwarded();
    }

    @Test
    void malformed_json_is_a_parse_error() throws Exception {
        HttpResponse<String> answer = post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(error(answer).path("code").asInt()).isEqualTo(-32700);
        assertThat(error(answer).path("message").asText()).startsWith("malformed JSON");
        assertNothingForwarded();
    }

    @Test
    void data_after_the_message_is_a_parse_error() throws Exception {
        HttpResponse<String> answer = post("""
                {"jsonrpc":"2.0","id":1,"method":"ping"} {"jsonrpc":"2.0","id":2,"method":"tools/call"}""");

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(error(answer).path("code").asInt()).isEqualTo(-32700);
        assertNothingForwarded();
    }

    @Test
    void wrong_jsonrpc_version_is_an_invalid_request_naming_the_id() throws Exception {
        HttpResponse<String> answer = post("{\"jsonrpc\":\"1.0\",\"id\":9,\"method\":\"ping\"}");

        assertThat(answer.statusCode()).isEqualTo(400);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.path("id").asInt()).isEqualTo(9);
        assertThat(body.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(body.path("error").path("message").asText()).contains("\"jsonrpc\" must be exactly \"2.0\"");
        assertNothingForwarded();
    }

    @Test
    void nesting_beyond_the_limit_is_refused() throws Exception {
        String deep = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":" + "[".repeat(40)
                + "]".repeat(40) + "}}";

        HttpResponse<String> answer = post(deep);

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(error(answer).path("message").asText()).contains("deeper than 32");
        assertNothingForwarded();
    }

    @Test
    void a_batch_with_one_denied_element_is_refused_whole() throws Exception {
        HttpResponse<String> answer = post("""
                [{"jsonrpc":"2.0","id":1,"method":"ping"},
                 {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"merge_pull_request","arguments":{}}},
                 {"jsonrpc":"2.0","method":"notifications/initialized"}]""");

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode errors = JSON.readTree(answer.body());
        assertThat(errors.isArray()).isTrue();
        assertThat(errors).hasSize(2); // the notification cannot be answered
        assertThat(errors.get(0).path("id").asInt()).isEqualTo(1);
        assertThat(errors.get(0).path("error").path("code").asInt()).isEqualTo(-32003);
        assertThat(errors.get(1).path("id").asInt()).isEqualTo(2);
        assertThat(errors.get(1).path("error").path("code").asInt()).isEqualTo(-32001);
        assertThat(errors.get(1).path("error").path("data").path("reasons").toString())
                .contains("merge_pull_request");
        assertNothingForwarded();
    }

    @Test
    void a_batch_larger_than_the_limit_is_an_invalid_request() throws Exception {
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 9; i++) {
            batch.append(i == 0 ? "" : ",")
                    .append("{\"jsonrpc\":\"2.0\",\"id\":")
                    .append(i)
                    .append(",\"method\":\"ping\"}");
        }
        HttpResponse<String> answer = post(batch.append("]").toString());

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(error(answer).path("message").asText()).contains("batch of 9 messages exceeds the limit of 8");
        assertNothingForwarded();
    }

    @Test
    void members_outside_the_envelope_are_refused() throws Exception {
        HttpResponse<String> answer =
                post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"methodOverride\":\"tools/call\"}");

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(error(answer).path("message").asText()).contains("unknown member \"methodOverride\"");
        assertNothingForwarded();
    }

    @Test
    void a_header_that_disagrees_with_the_body_is_a_header_mismatch() throws Exception {
        HttpResponse<String> answer =
                send(request().header("Mcp-Method", "tools/list").POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"merge_pull_request"}}""")));

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(error(answer).path("code").asInt()).isEqualTo(-32020);
        assertNothingForwarded();
    }

    @Test
    void a_body_that_is_not_json_by_content_type_is_415() throws Exception {
        HttpResponse<String> answer = send(HttpRequest.newBuilder(
                        URI.create(stack.proxy().mcpUrl()))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")));

        assertThat(answer.statusCode()).isEqualTo(415);
        assertNothingForwarded();
    }

    @Test
    void the_upstream_reads_the_reserialised_message_not_the_clients_bytes() throws Exception {
        // Escapes and spacing a second parser might read differently; the upstream gets one canonical form.
        HttpResponse<String> answer = post("{ \"jsonrpc\" : \"2.0\", \"id\" : 7 , \"method\" : \"p\\u0069ng\" }");

        assertThat(answer.statusCode()).isNotEqualTo(403);
        assertThat(stack.upstream().bodies()).containsExactly("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}");
    }

    @Test
    void the_clients_credentials_never_reach_the_upstream_but_mcp_headers_do() throws Exception {
        send(request()
                .header("Authorization", "Bearer client-token-must-not-pass")
                .header("Cookie", "sid=also-private")
                .header("Mcp-Session-Id", "session-123")
                .header("MCP-Protocol-Version", "2025-11-25")
                .header("Last-Event-ID", "event-9")
                .header("Mcp-Method", "ping")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}")));

        assertThat(stack.upstream().received()).hasSize(1);
        RecordingUpstream.Received seen = stack.upstream().received().get(0);
        assertThat(seen.header("Authorization")).isNull();
        assertThat(seen.header("Cookie")).isNull();
        assertThat(seen.headers().toString()).doesNotContain("client-token-must-not-pass");
        assertThat(seen.header("Mcp-Session-Id")).isEqualTo("session-123");
        assertThat(seen.header("MCP-Protocol-Version")).isEqualTo("2025-11-25");
        assertThat(seen.header("Last-Event-ID")).isEqualTo("event-9");
        assertThat(seen.header("Mcp-Method")).isEqualTo("ping");
    }

    @Test
    void an_unknown_session_gets_the_upstreams_404_unchanged() throws Exception {
        HttpResponse<String> answer =
                send(request().header("Mcp-Session-Id", "no-such-session").DELETE());

        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(stack.upstream().received())
                .singleElement()
                .satisfies(r -> assertThat(r.method()).isEqualTo("DELETE"));
    }

    @Test
    void a_notification_is_answered_202_by_the_upstream_through_the_proxy() throws Exception {
        HttpResponse<String> init = post("""
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",\
                "capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();

        HttpResponse<String> answer = send(request()
                .header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-11-25")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")));

        assertThat(answer.statusCode()).isEqualTo(202);
        assertThat(answer.body()).isEmpty();
    }

    @Test
    void other_http_methods_get_405_with_allow_and_other_paths_404() throws Exception {
        HttpResponse<String> put = send(request().PUT(HttpRequest.BodyPublishers.ofString("{}")));
        HttpResponse<String> elsewhere =
                send(HttpRequest.newBuilder(URI.create(stack.proxy().baseUrl() + "/admin"))
                        .GET());

        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).hasValue("GET, POST, DELETE");
        assertThat(elsewhere.statusCode()).isEqualTo(404);
        assertNothingForwarded();
    }

    private static HttpRequest.Builder request() {
        return RawMcp.request(stack.proxy().mcpUrl());
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return RawMcp.post(stack.proxy().mcpUrl(), body);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return RawMcp.send(request);
    }

    private static JsonNode error(HttpResponse<String> answer) throws Exception {
        return JSON.readTree(answer.body()).path("error");
    }

    private static void assertNothingForwarded() {
        assertThat(stack.upstream().received())
                .as("requests that reached the upstream")
                .isEmpty();
    }
}
