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
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Answers inspected on their way through the proxy, with a real OPA deciding for a developer of acme (who may not see
 * personal data, secrets or internal hosts unmasked, and may write): SSE answers masked event by event while they
 * stream, server-sent progress messages masked with the strictest mask of the exchange, upstream errors cleaned of
 * stack traces, class names, paths and internal hosts (status kept), an event over the bound closing the stream, the
 * keyed-hash style, and request-side DLP refusing a write that would carry a secret.
 */
class AnswerMaskingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject DEVELOPER = new Subject(
            "dev-1", true, "jwt", List.of("developer@acme/*"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final String AWS_KEY = "AKIAZ7QWERTY12345678";
    private static final String EMAIL = "priya.raman@acme-corp.example";
    private static final String READ_PR = "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
            + "{\"name\":\"get_pull_request\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"payments-api\","
            + "\"pr_id\":2},\"_meta\":{\"progressToken\":1}}}";
    private static final String STACK_TRACE = """
            <html><body><h1>500</h1><pre>java.lang.IllegalStateException: connection refused by \
            db-payments.prod.acme-corp.internal
            \tat io.mcpguard.core.bitbucket.BitbucketClient.send(BitbucketClient.java:120)
            \tat java.base/java.lang.Thread.run(Thread.java:1583)
            Caused by: java.net.ConnectException: /opt/core/lib/core.jar
            \t... 12 more</pre></body></html>""";

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.builder()
            .scriptedUpstream()
            .subjects((ctx, request) -> DEVELOPER)
            .build();

    @BeforeEach
    void reset() {
        stack.scripted().script(body -> new Answer(202, null, List.of()));
    }

    private static HttpRequest post(ProxyHarness to, String body) {
        return HttpRequest.newBuilder(URI.create(to.mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static String toolResult(int id, String text, String structured) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
                + JSON.valueToTree(text) + "}],\"structuredContent\":" + structured + ",\"isError\":false}}";
    }

    @Test
    void an_sse_answer_is_masked_event_by_event_while_it_streams() throws Exception {
        CountDownLatch progressSeen = new CountDownLatch(1);
        Runnable waitForClient = () -> {
            try {
                progressSeen.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        String result = toolResult(
                11,
                "Questions go to " + EMAIL + "; deploy key " + AWS_KEY,
                "{\"author\":\"" + EMAIL + "\",\"comments\":3,\"open\":true}");
        stack.scripted()
                .script(body -> new Answer(
                        200,
                        "text/event-stream",
                        List.of(
                                Piece.of("id: prime\ndata: \n\n"),
                                Piece.of("id: e1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
                                        + "\"params\":{\"progressToken\":1,\"progress\":1,\"message\":\"using "
                                        + AWS_KEY + "\"}}\n\n"),
                                // Held back until the client has the progress event: a proxy that buffered the stream
                                // hangs.
                                Piece.after(waitForClient, "id: e2\ndata: " + result + "\n\n"))));

        HttpResponse<InputStream> response =
                HTTP.send(post(stack.proxy(), READ_PR.formatted(11)), HttpResponse.BodyHandlers.ofInputStream());
        List<String> lines = SseLines.readAll(response.body(), "notifications/progress", progressSeen);

        assertThat(progressSeen.getCount())
                .as("the progress event reached the client on its own")
                .isZero();
        assertThat(lines.subList(0, 3)).containsExactly("id: prime", "data: ", "");
        String all = String.join("\n", lines);
        assertThat(all).doesNotContain(AWS_KEY).doesNotContain(EMAIL);
        JsonNode progress = JSON.readTree(lines.get(lines.indexOf("id: e1") + 1).substring("data: ".length()));
        assertThat(progress.at("/params/message").asText()).isEqualTo("using [REDACTED:aws-access-key]");
        assertThat(progress.at("/params/progress").isInt()).isTrue();
        JsonNode answer = JSON.readTree(lines.get(lines.indexOf("id: e2") + 1).substring("data: ".length()));
        assertThat(answer.at("/result/content/0/text").asText())
                .isEqualTo("Questions go to [REDACTED:email]; deploy key [REDACTED:aws-access-key]");
        assertThat(answer.at("/result/structuredContent/author").asText()).isEqualTo("[REDACTED:email]");
        assertThat(answer.at("/result/structuredContent/comments").isInt()).isTrue();
        assertThat(answer.at("/result/structuredContent/open").isBoolean()).isTrue();
        assertThat(answer.at("/result/isError").asBoolean()).isFalse();
    }

    @Test
    void a_json_answer_is_masked_and_its_length_fixed() throws Exception {
        stack.scripted()
                .script(body -> new Answer(
                        200,
                        "application/json",
                        List.of(Piece.of(toolResult(
                                12,
                                "host pg-01.prod.acme-corp.internal, mail " + EMAIL,
                                "{\"resource\":{\"uri\":\"file:///x\",\"text\":\"" + AWS_KEY + "\"}}")))));

        HttpResponse<String> response =
                HTTP.send(post(stack.proxy(), READ_PR.formatted(12)), HttpResponse.BodyHandlers.ofString());

        assertThat(response.body())
                .doesNotContain(AWS_KEY)
                .doesNotContain(EMAIL)
                .doesNotContain("acme-corp.internal");
        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.at("/result/content/0/text").asText())
                .isEqualTo("host [REDACTED:internal-hostname], mail [REDACTED:email]");
        assertThat(response.headers().firstValueAsLong("Content-Length"))
                .hasValue(response.body().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void a_get_stream_which_no_decision_covers_is_masked_whole() throws Exception {
        stack.scripted()
                .script(body -> new Answer(
                        200,
                        "text/event-stream",
                        List.of(
                                Piece.of("id: s1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
                                        + "\"params\":{\"level\":\"info\",\"data\":\"" + EMAIL + " " + AWS_KEY
                                        + "\"}}\n\n"),
                                // a response replayed on resumption (Last-Event-ID) to a request of an earlier body
                                Piece.of("id: s2\ndata: " + toolResult(3, "host pg.prod.acme-corp.internal", "{}")
                                        + "\n\n"))));

        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl()))
                        .header("Accept", "text/event-stream")
                        .header("Last-Event-ID", "s0")
                        .timeout(Duration.ofSeconds(20))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.body())
                .contains("[REDACTED:email] [REDACTED:aws-access-key]")
                .contains("host [REDACTED:internal-hostname]")
                .doesNotContain(EMAIL)
                .doesNotContain(AWS_KEY)
                .doesNotContain("acme-corp.internal");
    }

    @Test
    void an_upstream_stack_trace_never_reaches_the_client() throws Exception {
        stack.scripted().script(body -> new Answer(500, "text/html", List.of(Piece.of(STACK_TRACE))));

        HttpResponse<String> response =
                HTTP.send(post(stack.proxy(), READ_PR.formatted(13)), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body())
                .doesNotContain("\tat ")
                .doesNotContain("Exception")
                .doesNotContain("BitbucketClient")
                .doesNotContain("/opt/")
                .doesNotContain("acme-corp.internal")
                .doesNotContain("<");
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32603);
        assertThat(error.get("message").asText()).contains("connection refused");
    }

    @Test
    void a_serialised_exception_in_a_json_rpc_error_is_cleaned_even_without_a_mask() throws Exception {
        String sdkError = "{\"jsonrpc\":\"2.0\",\"id\":14,\"error\":{\"code\":-32603,\"message\":"
                + "\"java.lang.RuntimeException: lookup failed at /srv/core/data\\n\\tat io.x.Y.z(Y.java:3)\","
                + "\"data\":{\"stackTrace\":[{\"className\":\"io.x.Y\",\"lineNumber\":3}]}}}";
        stack.scripted().script(body -> new Answer(200, "application/json", List.of(Piece.of(sdkError))));

        HttpResponse<String> response = HTTP.send(
                post(stack.proxy(), "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"ping\"}"),
                HttpResponse.BodyHandlers.ofString());

        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.get("id").asInt()).isEqualTo(14);
        assertThat(answer.at("/error/code").asInt()).isEqualTo(-32603);
        assertThat(answer.at("/error/message").asText()).isEqualTo("lookup failed at [path]");
        assertThat(answer.at("/error").has("data")).isFalse();
    }

    @Test
    void the_mcp_java_sdks_serialised_exception_body_becomes_a_clean_error() throws Exception {
        // The shape the MCP Java SDK writes when it serialises an McpError as the HTTP body.
        String sdkBody = "{\"stackTrace\":[{\"classLoaderName\":\"app\",\"methodName\":\"handle\","
                + "\"fileName\":\"McpServerSession.java\",\"lineNumber\":211,"
                + "\"className\":\"io.modelcontextprotocol.spec.McpServerSession\"}],"
                + "\"jsonRpcError\":{\"code\":-32602,\"message\":\"Invalid params: no repository at "
                + "git.build.acme-corp.internal\",\"data\":null},"
                + "\"message\":\"io.modelcontextprotocol.spec.McpError: Invalid params\","
                + "\"localizedMessage\":\"Invalid params\",\"suppressed\":[]}";
        stack.scripted().script(body -> new Answer(500, "application/json", List.of(Piece.of(sdkBody))));

        HttpResponse<String> response =
                HTTP.send(post(stack.proxy(), READ_PR.formatted(19)), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body())
                .doesNotContain("stackTrace")
                .doesNotContain("McpServerSession")
                .doesNotContain("acme-corp.internal");
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32602);
        assertThat(error.get("message").asText()).startsWith("Invalid params: no repository at [REDACTED:");
    }

    @Test
    void an_unknown_session_keeps_its_404_with_a_clean_body() throws Exception {
        stack.scripted()
                .script(body -> new Answer(
                        404,
                        "text/plain",
                        List.of(Piece.of("Session not found\n\tat io.modelcontextprotocol.server.X.y(X.java:88)"))));

        HttpResponse<String> response = HTTP.send(
                post(stack.proxy(), "{\"jsonrpc\":\"2.0\",\"id\":15,\"method\":\"ping\"}"),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).at("/error/message").asText()).isEqualTo("Session not found");
    }

    @Test
    void a_write_whose_arguments_carry_a_secret_is_refused_before_the_server() throws Exception {
        int before = stack.scripted().bodies().size();
        String create = "{\"jsonrpc\":\"2.0\",\"id\":16,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"create_pull_request\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"payments-api\","
                + "\"title\":\"Deploy\",\"source_branch\":\"f\",\"description\":\"use " + AWS_KEY + "\"}}}";

        HttpResponse<String> response = HTTP.send(post(stack.proxy(), create), HttpResponse.BodyHandlers.ofString());

        assertThat(stack.scripted().bodies()).hasSize(before);
        assertThat(response.body()).doesNotContain(AWS_KEY);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32001);
        assertThat(error.get("message").asText())
                .contains("tool \"create_pull_request\" may not send data of class \"secret\"");

        String clean = create.replace("use " + AWS_KEY, "ready for review");
        stack.scripted()
                .script(body -> new Answer(200, "application/json", List.of(Piece.of(toolResult(16, "ok", "{}")))));
        assertThat(HTTP.send(post(stack.proxy(), clean), HttpResponse.BodyHandlers.ofString())
                        .body())
                .contains("\"ok\"");
        assertThat(stack.scripted().bodies()).hasSize(before + 1);
    }

    @Test
    void an_event_over_the_bound_closes_the_stream_instead_of_passing_unmasked() throws Exception {
        try (ProxyHarness small = new ProxyHarness(
                stack.scripted().url(),
                stack.opa().url(),
                Map.of("limits.max-rewrite-bytes", "1KiB"),
                (ctx, request) -> DEVELOPER)) {
            String big = toolResult(17, "x".repeat(2048) + " " + AWS_KEY, "{}");
            stack.scripted()
                    .script(body -> new Answer(
                            200,
                            "text/event-stream",
                            List.of(
                                    Piece.of(
                                            "id: a\ndata: {\"jsonrpc\":\"2.0\",\"method\":"
                                                    + "\"notifications/progress\",\"params\":{\"progressToken\":1,\"progress\":1}}\n\n"),
                                    Piece.of("id: b\ndata: " + big + "\n\n"))));

            String received;
            try {
                received = HTTP.send(post(small, READ_PR.formatted(17)), HttpResponse.BodyHandlers.ofString())
                        .body();
            } catch (IOException e) {
                received = ""; // the stream was cut: what matters is that the secret never arrived
            }

            assertThat(received).doesNotContain(AWS_KEY).doesNotContain("xxxxxxxx");
        }
    }

    @Test
    void the_hash_style_maps_the_same_value_to_the_same_token(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("mask.key");
        Files.writeString(key, "0123456789abcdef0123456789abcdef-test-key");
        try (ProxyHarness hashing = new ProxyHarness(
                stack.scripted().url(),
                stack.opa().url(),
                Map.of("mask.styles.personal-data", "hash", "mask.hash-key-file", key.toString()),
                (ctx, request) -> DEVELOPER)) {
            stack.scripted()
                    .script(body -> new Answer(
                            200,
                            "application/json",
                            List.of(Piece.of(toolResult(
                                    18, EMAIL + " and " + EMAIL + " and jordan.lee@acme-corp.example", "{}")))));

            String text = JSON.readTree(
                            HTTP.send(post(hashing, READ_PR.formatted(18)), HttpResponse.BodyHandlers.ofString())
                                    .body())
                    .at("/result/content/0/text")
                    .asText();

            String[] tokens = text.split(" and ");
            assertThat(tokens).hasSize(3);
            assertThat(tokens[0])
                    .startsWith("[HASH:email:")
                    .isEqualTo(tokens[1])
                    .isNotEqualTo(tokens[2]);
            assertThat(text).doesNotContain("@");
        }
    }
}
