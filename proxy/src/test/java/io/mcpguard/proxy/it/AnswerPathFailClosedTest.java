package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.ScriptedUpstream.Answer;
import io.mcpguard.proxy.testing.ScriptedUpstream.Piece;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The answer path fails closed against an upstream that behaves like many real MCP servers, not like ours: it
 * compresses, answers in a media type or charset the inspector cannot read, echoes request ids its own way, or
 * writes server-sent events the way the HTML spec allows but a naive reader misreads. Each answer carries a planted
 * secret; none may reach the client in clear. A real OPA decides for a developer of acme, who may see no secret.
 */
class AnswerPathFailClosedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject DEVELOPER = new Subject(
            "dev-1", true, "jwt", List.of("developer@acme/*"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final String AWS_KEY = "AKIAZ7QWERTY12345678";
    private static final String CALL = "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"tools/call\",\"params\":"
            + "{\"name\":\"get_pull_request\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"payments-api\","
            + "\"pr_id\":2}}}";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.builder()
            .scriptedUpstream()
            .subjects((ctx, request) -> DEVELOPER)
            .build();

    private static HttpResponse<String> send(String method, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(stack.proxy().mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("Accept-Encoding", "gzip, br")
                .header("Mcp-Session-Id", "s-1")
                .timeout(Duration.ofSeconds(20));
        request.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String result(Object id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
                + "\"aws_access_key_id = " + AWS_KEY + "\"}]}}";
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    @Test
    void the_proxy_asks_for_identity_and_refuses_a_compressed_answer() throws Exception {
        byte[] compressed = gzip(result(1));
        stack.scripted()
                .script(body -> new Answer(
                        200,
                        "application/json",
                        List.of(new Piece(compressed, () -> {})),
                        Map.of("Content-Encoding", "gzip")));

        HttpResponse<String> response = send("POST", CALL.formatted(1));

        assertThat(stack.scripted()
                        .requestHeaders()
                        .get(stack.scripted().requestHeaders().size() - 1))
                .containsEntry("Accept-encoding", List.of("identity"));
        // A JSON-RPC error answers the request it refuses (HTTP 200, like any JSON-RPC error with an id).
        assertThat(response.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(JSON.readTree(response.body()).at("/error/code").asInt()).isEqualTo(-32012);
        assertThat(JSON.readTree(response.body()).at("/id").asInt()).isEqualTo(1);
    }

    @Test
    void a_success_in_a_media_type_or_charset_the_inspector_cannot_read_is_refused() throws Exception {
        stack.scripted()
                .script(body -> new Answer(200, "text/plain", List.of(Piece.of("aws_access_key_id = " + AWS_KEY))));
        HttpResponse<String> text = send("POST", CALL.formatted(2));
        stack.scripted()
                .script(body -> new Answer(200, "application/json; charset=iso-8859-1", List.of(Piece.of(result(3)))));
        HttpResponse<String> latin1 = send("POST", CALL.formatted(3));
        stack.scripted().script(body -> new Answer(200, "text/html", List.of(Piece.of("<p>" + AWS_KEY + "</p>"))));
        HttpResponse<String> deleted = send("DELETE", null);

        for (HttpResponse<String> response : List.of(text, latin1, deleted)) {
            assertThat(response.body()).doesNotContain(AWS_KEY).contains("-32012");
        }
        assertThat(deleted.statusCode())
                .as("no request id to answer: the status carries it")
                .isEqualTo(502);
    }

    @Test
    void an_empty_answer_of_any_type_passes_as_it_is() throws Exception {
        stack.scripted().script(body -> new Answer(202, null, List.of()));

        HttpResponse<String> accepted = send("POST", "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(accepted.body()).isEmpty();
    }

    @Test
    void an_answer_to_an_id_no_request_carried_is_masked_with_every_class() throws Exception {
        // The request's id is the number 4; the server echoes it as the string "4" (or as a rounded number).
        stack.scripted().script(body -> new Answer(200, "application/json", List.of(Piece.of(result("\"4\"")))));

        HttpResponse<String> response = send("POST", CALL.formatted(4));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).doesNotContain(AWS_KEY).contains("[REDACTED:aws-access-key]");
    }

    @Test
    void every_event_a_client_could_read_is_inspected_however_the_stream_is_written() throws Exception {
        String message = result(5);
        stack.scripted()
                .script(body -> new Answer(
                        200,
                        "text/event-stream",
                        List.of(
                                // A byte order mark hides the first line's field name from a naive reader, not a
                                // client's.
                                Piece.of("\uFEFFid: 1\ndata: " + result(5) + "\n\n"),
                                // The last event line counts: this is a message event. As a second answer to
                                // request 5 it is withheld whole, which only a message is.
                                Piece.of("event: other\nevent: message\ndata: " + message + "\n\n"),
                                // Another type, and text that is no JSON: a client may still show them.
                                Piece.of("event: notice\ndata: key " + AWS_KEY + "\n\n"),
                                Piece.of("data: plain " + AWS_KEY + "\n\n"),
                                // An unfinished event at the end is never dispatched by a client, and never passed.
                                Piece.of("data: " + AWS_KEY))));

        HttpResponse<String> response = send("POST", CALL.formatted(5));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).doesNotContain(AWS_KEY);
        assertThat(response.body().split("\\[REDACTED:aws-access-key]", -1)).hasSize(4);
        assertThat(response.body().split("\"code\":-32012", -1)).hasSize(2);
        assertThat(response.headers().firstValue("Content-Length")).isEmpty();
    }

    @Test
    void answers_name_no_server_software_and_are_never_cached_or_sniffed() throws Exception {
        stack.scripted()
                .script(body -> new Answer(
                        200, "application/json", List.of(Piece.of(result(6))), Map.of("Server", "Jetty(12.1.14)")));

        HttpResponse<String> response = send("POST", CALL.formatted(6));

        assertThat(response.headers().firstValue("Server")).isEmpty();
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.at("/result/content/0/text").asText()).contains("[REDACTED:aws-access-key]");
    }
}
