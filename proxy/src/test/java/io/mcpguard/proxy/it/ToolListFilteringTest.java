package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.ScriptedUpstream.Answer;
import io.mcpguard.proxy.testing.ScriptedUpstream.Piece;
import io.mcpguard.proxy.testing.SseLines;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code tools/list} answers cut down to what the policy lets the subject (a viewer of workspace acme) see, in JSON
 * and in SSE answers, with a real OPA deciding; and hiding is not the enforcement: calling a hidden tool is refused.
 */
class ToolListFilteringTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject VIEWER = new Subject(
            "viewer-1", true, "jwt", List.of("viewer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);
    private static final String TOOLS = """
            {"tools":[{"name":"get_repository","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true}},\
            {"name":"create_pull_request","inputSchema":{"type":"object"}},\
            {"name":"merge_pull_request","inputSchema":{"type":"object"}},\
            {"name":"shadow_tool","inputSchema":{"type":"object"}}]}""";

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.builder()
            .scriptedUpstream()
            .subjects((ctx, request) -> VIEWER)
            .build();

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private static HttpRequest post(String body) {
        return HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static List<String> names(JsonNode result) {
        List<String> names = new ArrayList<>();
        result.get("tools").forEach(t -> names.add(t.get("name").asText()));
        return names;
    }

    @Test
    void a_json_tools_list_answer_keeps_only_the_tools_the_subject_may_use() throws Exception {
        stack.scripted()
                .script(body -> new Answer(
                        200,
                        "application/json",
                        List.of(Piece.of("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":"), Piece.of(TOOLS + "}"))));

        HttpResponse<String> response = HTTP.send(
                post("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}"), HttpResponse.BodyHandlers.ofString());

        JsonNode answer = JSON.readTree(response.body());
        assertThat(names(answer.get("result"))).containsExactly("get_repository");
        assertThat(answer.get("result")
                        .get("tools")
                        .get(0)
                        .get("annotations")
                        .get("readOnlyHint")
                        .asBoolean())
                .isTrue();
        assertThat(response.headers().firstValueAsLong("Content-Length"))
                .hasValue(response.body().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void other_json_answers_pass_untouched() throws Exception {
        String exact = "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}";
        stack.scripted().script(body -> new Answer(200, "application/json", List.of(Piece.of(exact))));

        HttpResponse<String> response = HTTP.send(
                post("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}"), HttpResponse.BodyHandlers.ofString());

        assertThat(response.body()).isEqualTo(exact);
    }

    @Test
    void an_sse_answer_is_filtered_event_by_event_without_holding_the_stream() throws Exception {
        CountDownLatch firstEventSeen = new CountDownLatch(1);
        Runnable waitForClient = () -> {
            try {
                firstEventSeen.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        stack.scripted()
                .script(body -> new Answer(
                        200,
                        "text/event-stream",
                        List.of(
                                Piece.of(": keep-alive comment\n\nid: e1\nevent: message\ndata: {\"jsonrpc\":\"2.0\","),
                                Piece.of(
                                        "\"method\":\"notifications/progress\",\"params\":{\"progressToken\":1,\"progress\":1}}\r\n\r\n"),
                                // Held back until the client has the first event: a proxy that buffered the stream
                                // hangs here.
                                Piece.after(
                                        waitForClient, "id: e2\nretry: 1000\ndata: {\"jsonrpc\":\"2.0\",\"id\":5,\n"),
                                Piece.of("data: \"result\":" + TOOLS + "}\n\n"),
                                Piece.of("id: e3\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
                                        + "\"params\":{\"level\":\"info\",\"data\":\"shadow_tool\"}}\n\n"))));

        HttpResponse<InputStream> response = HTTP.send(
                post("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}"),
                HttpResponse.BodyHandlers.ofInputStream());
        List<String> lines = SseLines.readAll(response.body(), "notifications/progress", firstEventSeen);

        assertThat(firstEventSeen.getCount())
                .as("first event reached the client on its own")
                .isZero();
        assertThat(lines.subList(0, 5))
                .containsExactly(
                        ": keep-alive comment",
                        "",
                        "id: e1",
                        "event: message",
                        "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
                                + "\"params\":{\"progressToken\":1,\"progress\":1}}");
        int listEvent = lines.indexOf("id: e2");
        assertThat(lines.get(listEvent + 1)).isEqualTo("retry: 1000");
        JsonNode list = JSON.readTree(lines.get(listEvent + 2).substring("data: ".length()));
        assertThat(list.get("id").asInt()).isEqualTo(5);
        assertThat(names(list.get("result"))).containsExactly("get_repository");
        assertThat(lines.get(listEvent + 3)).isEmpty();
        assertThat(lines.subList(listEvent + 4, lines.size()))
                .containsExactly(
                        "id: e3",
                        "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
                                + "\"params\":{\"level\":\"info\",\"data\":\"shadow_tool\"}}",
                        "");
    }

    @Test
    void after_tools_list_changed_the_new_list_is_filtered_too() throws Exception {
        stack.scripted()
                .script(body -> new Answer(
                        200,
                        "text/event-stream",
                        List.of(Piece.of(
                                "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n"))));
        HttpResponse<String> changed = HTTP.send(
                post("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}"), HttpResponse.BodyHandlers.ofString());
        assertThat(changed.body()).contains("notifications/tools/list_changed");

        stack.scripted()
                .script(
                        body -> new Answer(
                                200,
                                "application/json",
                                List.of(
                                        Piece.of(
                                                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"tools\":["
                                                        + "{\"name\":\"list_branches\",\"inputSchema\":{}},{\"name\":\"delete_branch\",\"inputSchema\":{}}]}}"))));
        HttpResponse<String> relisted = HTTP.send(
                post("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}"), HttpResponse.BodyHandlers.ofString());

        assertThat(names(JSON.readTree(relisted.body()).get("result"))).containsExactly("list_branches");
    }

    @Test
    void a_tools_list_answer_too_large_to_filter_is_refused_not_passed_unfiltered() throws Exception {
        try (ProxyHarness small = new ProxyHarness(
                stack.scripted().url(),
                stack.opa().url(),
                Map.of("limits.max-rewrite-bytes", "1KiB"),
                (c, r) -> VIEWER)) {
            String padding = "x".repeat(2048);
            stack.scripted()
                    .script(body -> new Answer(
                            200,
                            "application/json",
                            List.of(Piece.of(
                                    "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"tools\":[{\"name\":\"merge_pull_request\","
                                            + "\"description\":\"" + padding + "\",\"inputSchema\":{}}]}}"))));
            HttpRequest request = HttpRequest.newBuilder(URI.create(small.mcpUrl()))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\"}"))
                    .build();

            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());

            assertThat(response.body()).doesNotContain("merge_pull_request");
            assertThat(JSON.readTree(response.body()).get("error").get("code").asInt())
                    .isEqualTo(-32011);
        }
    }

    @Test
    void a_tools_list_answer_replayed_on_the_get_stream_is_cut_to_the_subjects_last_view() throws Exception {
        String session = "resumed-session-1";
        stack.scripted()
                .script(body -> new Answer(
                        200,
                        "application/json",
                        List.of(Piece.of("{\"jsonrpc\":\"2.0\",\"id\":10,\"result\":" + TOOLS + "}"))));
        HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl()))
                        .header("Content-Type", "application/json")
                        .header("Mcp-Session-Id", session)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/list\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String replay = "id: r1\ndata: {\"jsonrpc\":\"2.0\",\"id\":11,\"result\":" + TOOLS + "}\n\n";
        stack.scripted().script(body -> new Answer(200, "text/event-stream", List.of(Piece.of(replay))));

        HttpResponse<String> known = HTTP.send(get(session), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> unknown = HTTP.send(get("never-listed"), HttpResponse.BodyHandlers.ofString());

        JsonNode cut = JSON.readTree(known.body()
                .lines()
                .filter(l -> l.startsWith("data: "))
                .findFirst()
                .orElseThrow()
                .substring(6));
        assertThat(names(cut.get("result"))).containsExactly("get_repository");
        JsonNode hidden = JSON.readTree(unknown.body()
                .lines()
                .filter(l -> l.startsWith("data: "))
                .findFirst()
                .orElseThrow()
                .substring(6));
        assertThat(names(hidden.get("result"))).isEmpty();
    }

    private static HttpRequest get(String session) {
        return HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl()))
                .header("Accept", "text/event-stream")
                .header("Mcp-Session-Id", session)
                .header("Last-Event-ID", "r0")
                .timeout(Duration.ofSeconds(20))
                .GET()
                .build();
    }

    @Test
    void calling_a_hidden_tool_by_name_is_still_refused_and_never_reaches_the_server() throws Exception {
        int before = stack.scripted().bodies().size();

        HttpResponse<String> response = HTTP.send(
                post(
                        "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"create_pull_request\","
                                + "\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\"}}}"),
                HttpResponse.BodyHandlers.ofString());

        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32001);
        assertThat(error.get("message").asText()).contains("create_pull_request");
        assertThat(stack.scripted().bodies()).hasSize(before);
    }
}
