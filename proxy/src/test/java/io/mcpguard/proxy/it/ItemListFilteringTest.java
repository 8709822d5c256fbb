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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Prompt and resource list answers of shapes no well-behaved server sends, through the proxy with the real OPA
 * deciding on the example allowances: a scripted upstream is the only way to make them. An item the decision cannot
 * place is hidden; the rest of the result survives; a list the exchange did not ask for is emptied. {@code
 * PromptAndResourceListsTest} covers the well-formed path with a real server and client.
 */
class ItemListFilteringTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject VIEWER = new Subject(
            "viewer-1", true, "jwt", List.of("viewer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.builder()
            .scriptedUpstream()
            .policies(ProxyStack.Policies.withExampleExposure())
            .subjects((ctx, request) -> VIEWER)
            .build();

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private static HttpResponse<String> post(String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl()))
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json, text/event-stream")
                        .timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void answerWith(String contentType, String body) {
        stack.scripted().script(request -> new Answer(200, contentType, List.of(Piece.of(body))));
    }

    private static List<String> names(JsonNode items, String key) {
        List<String> names = new ArrayList<>();
        items.forEach(item -> names.add(item.path(key).asText()));
        return names;
    }

    @Test
    void prompts_the_decision_cannot_place_are_hidden_and_the_rest_of_the_result_is_kept() throws Exception {
        answerWith("application/json", """
                {"jsonrpc":"2.0","id":3,"result":{"prompts":[{"name":"simple-prompt","description":"ok"},
                {"name":"args-prompt"},{"title":"no name"},{"name":7},{"name":["simple-prompt"]},"simple-prompt",null],
                "nextCursor":"page-2","_meta":{"k":"v"},"ttlMs":60000,"cacheScope":"private"}}""");

        HttpResponse<String> response = post("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/list\"}");

        JsonNode result = JSON.readTree(response.body()).get("result");
        assertThat(result.get("prompts").toString()).isEqualTo("[{\"name\":\"simple-prompt\",\"description\":\"ok\"}]");
        assertThat(result.get("nextCursor").asText()).isEqualTo("page-2");
        assertThat(result.at("/_meta/k").asText()).isEqualTo("v");
        assertThat(result.get("ttlMs").asInt()).isEqualTo(60000);
        assertThat(result.get("cacheScope").asText()).isEqualTo("private");
        assertThat(response.headers().firstValueAsLong("Content-Length"))
                .hasValue(response.body().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void an_sse_resource_list_is_cut_event_by_event_and_a_list_nobody_asked_for_is_emptied() throws Exception {
        answerWith(
                "text/event-stream",
                "id: e1\ndata: {\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{\"resources\":"
                        + "[{\"uri\":\"demo://resource/static/document/features.md\"}]}}\n\n"
                        + "id: e2\ndata: {\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"resources\":["
                        + "{\"uri\":\"demo://resource/static/document/features.md\",\"name\":\"features.md\"},"
                        + "{\"uri\":\"demo://resource/static/document/startup.md\"},"
                        + "{\"uri\":{\"href\":\"demo://resource/static/document/features.md\"}},"
                        + "{\"name\":\"demo://resource/static/document/features.md\"}]}}\n\n");

        HttpResponse<String> response = post("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/list\"}");

        List<JsonNode> events = new ArrayList<>();
        for (String line : response.body().lines().toList()) {
            if (line.startsWith("data: ")) {
                events.add(JSON.readTree(line.substring("data: ".length())));
            }
        }
        assertThat(events).hasSize(2);
        assertThat(events.get(0).at("/result/resources").size())
                .as("the answer to an id no request carried")
                .isZero();
        assertThat(names(events.get(1).at("/result/resources"), "uri"))
                .containsExactly("demo://resource/static/document/features.md");
    }

    @Test
    void a_template_list_shows_nothing_to_a_role_whose_patterns_place_no_template() throws Exception {
        answerWith("application/json", """
                {"jsonrpc":"2.0","id":5,"result":{"resourceTemplates":[
                {"uriTemplate":"demo://resource/dynamic/text/{resourceId}","name":"t"}]}}""");

        HttpResponse<String> response = post("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/templates/list\"}");

        assertThat(JSON.readTree(response.body())
                        .at("/result/resourceTemplates")
                        .size())
                .isZero();
    }

    @Test
    void a_hidden_prompt_requested_by_name_is_refused_and_never_reaches_the_server() throws Exception {
        int before = stack.scripted().bodies().size();

        HttpResponse<String> response =
                post("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/get\",\"params\":{\"name\":\"args-prompt\"}}");

        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32001);
        assertThat(error.get("message").asText()).contains("your roles do not allow prompt \"args-prompt\"");
        assertThat(stack.scripted().bodies()).hasSize(before);
    }

    @Test
    void a_subscription_is_decided_on_its_uri_like_a_read() throws Exception {
        int before = stack.scripted().bodies().size();
        HttpResponse<String> hidden = post("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"resources/subscribe\","
                + "\"params\":{\"uri\":\"demo://resource/static/document/startup.md\"}}");

        JsonNode error = JSON.readTree(hidden.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32001);
        assertThat(error.get("message").asText()).contains("your roles do not allow resource");
        assertThat(stack.scripted().bodies()).hasSize(before);

        answerWith("application/json", "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{}}");
        HttpResponse<String> allowed = post("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"resources/subscribe\","
                + "\"params\":{\"uri\":\"demo://resource/static/document/features.md\"}}");

        assertThat(JSON.readTree(allowed.body()).has("result"))
                .as(allowed.body())
                .isTrue();
        assertThat(stack.scripted().bodies()).hasSize(before + 1);
    }
}
