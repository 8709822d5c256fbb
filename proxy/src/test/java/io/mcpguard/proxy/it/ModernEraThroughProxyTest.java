package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.ScriptedUpstream.Answer;
import io.mcpguard.proxy.testing.ScriptedUpstream.Piece;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * MCP 2026-07-28 ("modern") requests through the proxy, decided by a real OPA for a viewer of acme, in front of an
 * upstream that answers the raw HTTP a modern server sends. What the era requires of a request is checked before the
 * policy; nothing refused reaches the upstream; no session is forwarded; a {@code server/discover} answer is cut to
 * the tools the viewer may use and keeps its cache hints.
 */
class ModernEraThroughProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject VIEWER = new Subject(
            "view-1", true, "jwt", List.of("viewer@acme/*"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final String MODERN = "2026-07-28";
    private static final String META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"%s\","
            + "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"t\",\"version\":\"1\"},"
            + "\"io.modelcontextprotocol/clientCapabilities\":{}}";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.builder()
            .scriptedUpstream()
            .settings(Map.of("upstream.era", "modern")) // a server of the new era itself: nothing is bridged
            .subjects((ctx, request) -> VIEWER)
            .build();

    private static String request(int id, String method, String params, String version) {
        String meta = META.formatted(version);
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":{"
                + (params.isEmpty() ? meta : params + "," + meta) + "}}";
    }

    private static HttpResponse<String> send(String method, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(stack.proxy().mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .timeout(Duration.ofSeconds(20));
        headers.forEach(request::header);
        request.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Answer json(String body) {
        return new Answer(200, "application/json", List.of(Piece.of(body)));
    }

    @Test
    void an_allowed_modern_call_reaches_the_server_without_the_session_it_presented() throws Exception {
        stack.scripted()
                .script(body -> json("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"resultType\":\"complete\","
                        + "\"content\":[{\"type\":\"text\",\"text\":\"repository acme/api\"}]}}"));

        HttpResponse<String> answer = send(
                "POST",
                request(
                        1,
                        "tools/call",
                        "\"name\":\"get_repository\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\"}",
                        MODERN),
                Map.of(
                        "MCP-Protocol-Version", MODERN,
                        "Mcp-Method", "tools/call",
                        "Mcp-Name", "get_repository",
                        "Mcp-Session-Id", "someone-elses-session"));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("repository acme/api");
        assertThat(stack.scripted().bodies()).hasSize(1);
        Map<String, List<String>> seen = stack.scripted().requestHeaders().get(0);
        assertThat(seen).containsEntry("Mcp-protocol-version", List.of(MODERN));
        assertThat(seen.keySet()).noneMatch(name -> name.equalsIgnoreCase("Mcp-Session-Id"));
    }

    @Test
    void server_discover_is_answered_with_only_the_tools_the_viewer_may_use_and_its_cache_hints() throws Exception {
        stack.scripted().script(body -> json("""
                {"jsonrpc":"2.0","id":2,"result":{"resultType":"complete","ttlMs":60000,"cacheScope":"public",\
                "supportedVersions":["2026-07-28"],"serverInfo":{"name":"up","version":"1"},\
                "capabilities":{"tools":{}},"tools":[\
                {"name":"get_repository","inputSchema":{"type":"object"}},\
                {"name":"merge_pull_request","inputSchema":{"type":"object"}}]}}"""));

        HttpResponse<String> answer = send(
                "POST",
                request(2, "server/discover", "", MODERN),
                Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", "server/discover"));

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode result = JSON.readTree(answer.body()).get("result");
        assertThat(result.get("tools").findValuesAsText("name")).containsExactly("get_repository");
        assertThat(result.get("ttlMs").asInt()).isEqualTo(60000);
        assertThat(result.get("cacheScope").asText())
                .as("cut for this viewer: never to be shared with another user")
                .isEqualTo("private");
        assertThat(result.get("supportedVersions").get(0).asText()).isEqualTo(MODERN);
    }

    @Test
    void the_servers_notification_stream_is_relayed_with_everything_maskable_masked() throws Exception {
        stack.scripted()
                .script(body -> new Answer(
                        200,
                        "text/event-stream",
                        List.of(
                                Piece.of("data: {\"jsonrpc\":\"2.0\",\"method\":"
                                        + "\"notifications/subscriptions/acknowledged\",\"params\":{}}\n\n"),
                                Piece.of("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
                                        + "\"params\":{\"level\":\"info\",\"data\":\"key AKIAIOSFODNN7EXAMPLE of"
                                        + " ada@acme.example\"}}\n\n"))));

        HttpResponse<String> answer = send(
                "POST",
                request(8, "subscriptions/listen", "\"notifications\":{\"toolsListChanged\":true}", MODERN),
                Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", "subscriptions/listen"));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body())
                .contains("notifications/subscriptions/acknowledged", "notifications/message")
                .doesNotContain("AKIAIOSFODNN7EXAMPLE", "ada@acme.example");
    }

    @Test
    void a_multi_round_trip_state_is_sealed_for_the_client_and_opened_for_the_server() throws Exception {
        stack.scripted()
                .script(body -> json("{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"resultType\":\"input_required\","
                        + "\"inputRequests\":{\"confirm\":{\"method\":\"elicitation/create\",\"params\":{\"message\":"
                        + "\"Proceed? key AKIAIOSFODNN7EXAMPLE\",\"requestedSchema\":{\"type\":\"object\"}}}},"
                        + "\"requestState\":\"server-state step=2 token=AKIAIOSFODNN7EXAMPLE\"}}"));
        String call = "\"name\":\"get_repository\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\"}";
        Map<String, String> headers =
                Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", "tools/call", "Mcp-Name", "get_repository");

        HttpResponse<String> asked = send("POST", request(9, "tools/call", call, MODERN), headers);
        JsonNode result = JSON.readTree(asked.body()).get("result");
        String sealed = result.get("requestState").asText();

        assertThat(sealed).startsWith("mcpguard-state.").doesNotContain("server-state", "AKIA");
        assertThat(result.at("/inputRequests/confirm/params/message").asText())
                .startsWith("Proceed?")
                .doesNotContain("AKIAIOSFODNN7EXAMPLE");

        stack.scripted().clear();
        stack.scripted()
                .script(body -> json("{\"jsonrpc\":\"2.0\",\"id\":10,\"result\":{\"resultType\":\"complete\","
                        + "\"content\":[]}}"));
        String retry = call + ",\"inputResponses\":{\"confirm\":{\"action\":\"accept\",\"content\":{}}},"
                + "\"requestState\":\"%s\"";
        HttpResponse<String> done = send("POST", request(10, "tools/call", retry.formatted(sealed), MODERN), headers);

        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(stack.scripted().bodies().get(0))
                        .at("/params/requestState")
                        .asText())
                .as("the server gets its own state back")
                .isEqualTo("server-state step=2 token=AKIAIOSFODNN7EXAMPLE");

        stack.scripted().clear();
        HttpResponse<String> forged =
                send("POST", request(11, "tools/call", retry.formatted("server-state step=3"), MODERN), headers);

        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(forged.body()).at("/error/code").asInt()).isEqualTo(-32602);
        assertThat(stack.scripted().bodies())
                .as("a state the proxy did not seal goes nowhere")
                .isEmpty();
    }

    @Test
    void a_secret_in_the_answers_of_a_retry_is_refused_like_one_in_the_arguments() throws Exception {
        String create = "\"name\":\"create_pull_request\",\"arguments\":{\"workspace\":\"acme\","
                + "\"repo\":\"api\",\"title\":\"t\",\"source_branch\":\"f\"},"
                + "\"inputResponses\":{\"describe\":{\"action\":\"accept\",\"content\":{\"description\":\"%s\"}}}";
        Map<String, String> headers =
                Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", "tools/call", "Mcp-Name", "create_pull_request");

        HttpResponse<String> withKey =
                send("POST", request(12, "tools/call", create.formatted("key AKIAIOSFODNN7EXAMPLE"), MODERN), headers);
        HttpResponse<String> clean =
                send("POST", request(13, "tools/call", create.formatted("ready for review"), MODERN), headers);

        // A viewer may not write at all; the answers' secret is a reason of its own, named by class only.
        String refusal = JSON.readTree(withKey.body()).at("/error/message").asText();
        assertThat(refusal)
                .contains("tool \"create_pull_request\" may not send data of class \"secret\"")
                .doesNotContain("AKIA");
        assertThat(JSON.readTree(clean.body()).at("/error/message").asText())
                .contains("your roles do not allow write tool")
                .doesNotContain("may not send data");
        assertThat(stack.scripted().bodies()).isEmpty();
    }

    @Test
    void a_method_the_modern_era_removed_is_not_found_and_not_forwarded() throws Exception {
        HttpResponse<String> answer = send(
                "POST", request(3, "ping", "", MODERN), Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", "ping"));

        assertThat(answer.statusCode()).isEqualTo(404);
        JsonNode error = JSON.readTree(answer.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32601);
        assertThat(error.get("message").asText()).isEqualTo("method not found in MCP 2026-07-28");
        assertThat(stack.scripted().bodies()).isEmpty();
    }

    @Test
    void what_the_era_requires_is_refused_before_the_policy_and_the_server() throws Exception {
        HttpResponse<String> unsupported =
                send("POST", request(4, "tools/list", "", "2027-01-01"), Map.of("MCP-Protocol-Version", "2027-01-01"));
        HttpResponse<String> noHeader = send("POST", request(5, "tools/list", "", MODERN), Map.of());
        HttpResponse<String> mismatch =
                send("POST", request(6, "tools/list", "", MODERN), Map.of("MCP-Protocol-Version", "2025-11-25"));
        HttpResponse<String> get = send("GET", null, Map.of("MCP-Protocol-Version", MODERN));
        HttpResponse<String> delete = send("DELETE", null, Map.of("MCP-Protocol-Version", MODERN));

        assertThat(unsupported.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(unsupported.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32022);
        assertThat(error.at("/data/supported").toString()).contains(MODERN);
        for (HttpResponse<String> refused : List.of(noHeader, mismatch)) {
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(refused.body()).at("/error/code").asInt()).isEqualTo(-32020);
        }
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(stack.scripted().bodies()).isEmpty();
        assertThat(stack.scripted().requestHeaders()).isEmpty();
    }
}
