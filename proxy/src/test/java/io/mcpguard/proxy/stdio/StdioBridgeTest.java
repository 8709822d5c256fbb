package io.mcpguard.proxy.stdio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.Secret;
import io.mcpguard.proxy.config.StdioServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bridge and its supervisor on their own, in front of a scripted stdio server (Node): the HTTP surface, the
 * multiplexing of one child (initialize, batches, ids), what the child sends unasked, cancellation, and the ways a
 * child fails (exit mid-request, no launch, no initialize).
 */
class StdioBridgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Path SCRIPT =
            Path.of("src/test/resources/stdio/scripted-server.js").toAbsolutePath();

    private static StdioServer config(
            List<String> command, Map<String, String> env, boolean perSubject, Duration startup) {
        Map<String, Secret> environment = new HashMap<>();
        environment.put("PATH", new Secret(System.getenv("PATH")));
        env.forEach((k, v) -> environment.put(k, new Secret(v)));
        return new StdioServer(
                command,
                null,
                environment,
                perSubject,
                2,
                Duration.ofMinutes(1),
                startup,
                Duration.ofMillis(500),
                Duration.ofSeconds(2),
                Duration.ofSeconds(2),
                64 * 1024,
                16);
    }

    private static StdioBridge bridge(StdioServer config) throws InterruptedException {
        return new StdioBridge(new StdioSupervisor(config, JSON, line -> line, "test"), JSON, 1024 * 1024);
    }

    private static StdioBridge scripted(Map<String, String> env, boolean perSubject) throws InterruptedException {
        return bridge(config(List.of("node", SCRIPT.toString()), env, perSubject, Duration.ofSeconds(10)));
    }

    private static HttpRequest.Builder request(StdioBridge bridge) {
        return HttpRequest.newBuilder(bridge.url())
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", bridge.credential().reveal())
                .header("Content-Type", "application/json");
    }

    private static HttpResponse<String> post(StdioBridge bridge, String body) throws Exception {
        return HTTP.send(
                request(bridge).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String call(Object id, String tool, String text) {
        return """
                {"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":{"text":"%s"}}}""".formatted(JSON.valueToTree(id), tool, text);
    }

    private static void awaitReady(StdioBridge bridge) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < end) {
            if (!bridge.ready().isCompletedExceptionally()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the scripted child never became ready");
    }

    @Test
    void only_the_proxy_with_its_credential_may_post_json() throws Exception {
        try (StdioBridge bridge = scripted(Map.of(), false)) {
            HttpResponse<String> stranger = HTTP.send(
                    HttpRequest.newBuilder(bridge.url())
                            .POST(HttpRequest.BodyPublishers.ofString(call(1, "plain", "x")))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> get = HTTP.send(request(bridge).GET().build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> junk = post(bridge, "not json");
            HttpResponse<String> scalar = post(bridge, "42");

            assertThat(stranger.statusCode()).isEqualTo(401);
            assertThat(get.statusCode()).isEqualTo(405);
            assertThat(get.headers().firstValue("Allow")).contains("POST");
            assertThat(junk.statusCode()).isEqualTo(400);
            assertThat(scalar.statusCode()).isEqualTo(400);
        }
    }

    @Test
    void a_batch_is_answered_in_order_with_the_clients_ids_and_initialize_from_the_childs_handshake() throws Exception {
        try (StdioBridge bridge = scripted(Map.of(), false)) {
            awaitReady(bridge);
            HttpResponse<String> answer = post(
                    bridge,
                    "["
                            + "{\"jsonrpc\":\"2.0\",\"id\":\"init\",\"method\":\"initialize\",\"params\":{}},"
                            + call(1, "plain", "one") + ","
                            + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
                            + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"},"
                            + "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}},"
                            + call(1, "plain", "same id again") + "]");

            assertThat(answer.statusCode()).isEqualTo(200);
            JsonNode answers = JSON.readTree(answer.body());
            assertThat(answers).hasSize(3);
            assertThat(answers.get(0).path("id").asText()).isEqualTo("init");
            assertThat(answers.get(0).at("/result/serverInfo/name").asText()).isEqualTo("scripted");
            assertThat(answers.get(1).path("id").asInt()).isEqualTo(1);
            assertThat(answers.get(1).at("/result/content/0/text").asText()).isEqualTo("plain one");
            assertThat(answers.get(2).path("id").asInt()).isEqualTo(1);
            assertThat(answers.get(2).at("/result/content/0/text").asText()).isEqualTo("plain same id again");

            HttpResponse<String> onlyNotifications =
                    post(bridge, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            assertThat(onlyNotifications.statusCode()).isEqualTo(202);
            assertThat(onlyNotifications.body()).isEmpty();
        }
    }

    @Test
    void what_the_child_sends_unasked_reaches_no_client_and_its_requests_are_answered_by_the_proxy() throws Exception {
        try (StdioBridge bridge = scripted(Map.of(), false)) {
            awaitReady(bridge);
            HttpResponse<String> answer = post(bridge, call(7, "chatty", ""));

            JsonNode result = JSON.readTree(answer.body());
            assertThat(result.path("id").asInt()).isEqualTo(7);
            // The call's answer is all the client sees: no notification, no junk line, no stray answer.
            assertThat(answer.body()).doesNotContain("for nobody", "no JSON", "nobody-asked");
            JsonNode replies = JSON.readTree(result.at("/result/content/0/text").asText());
            assertThat(replies.get(0).path("id").asText()).isEqualTo("s1");
            assertThat(replies.get(0).has("result")).as("ping is answered").isTrue();
            assertThat(replies.get(1).path("id").asText()).isEqualTo("s2");
            assertThat(replies.get(1).at("/error/code").asInt())
                    .as("sampling is refused")
                    .isEqualTo(-32601);
        }
    }

    @Test
    void a_request_whose_caller_gave_up_is_cancelled_at_the_child() throws Exception {
        try (StdioBridge bridge = scripted(Map.of(), false)) {
            awaitReady(bridge);
            assertThatThrownBy(() -> HTTP.send(
                            request(bridge)
                                    .timeout(Duration.ofMillis(500))
                                    .POST(HttpRequest.BodyPublishers.ofString(call(1, "slow", "")))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(HttpTimeoutException.class);

            JsonNode cancelled = JSON.createArrayNode();
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (cancelled.isEmpty() && System.nanoTime() < end) {
                Thread.sleep(100);
                String text = JSON.readTree(
                                post(bridge, call(2, "cancelled", "")).body())
                        .at("/result/content/0/text")
                        .asText();
                cancelled = JSON.readTree(text);
            }
            assertThat(cancelled).hasSize(1);
            assertThat(cancelled.get(0).asText()).startsWith("mcpguard-");
        }
    }

    @Test
    void a_child_that_dies_mid_request_fails_it_with_the_upstream_unavailable_error() throws Exception {
        try (StdioBridge bridge = scripted(Map.of(), false)) {
            awaitReady(bridge);
            long pid = bridge.pids().get(0);

            HttpResponse<String> answer = post(bridge, "[" + call(3, "exit", "") + "," + call(4, "slow", "") + "]");

            assertThat(answer.statusCode()).isEqualTo(502);
            JsonNode errors = JSON.readTree(answer.body());
            assertThat(errors).hasSize(2);
            assertThat(errors.get(0).path("id").asInt()).isEqualTo(3);
            assertThat(errors.get(0).at("/error/code").asInt()).isEqualTo(-32005);
            assertThat(errors.get(0).at("/error/message").asText()).contains("ended");
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .isFalse();
            assertThat(bridge.ready()).isCompletedExceptionally();
        }
    }

    @Test
    void a_command_that_cannot_launch_or_never_initializes_is_unavailable_and_retried() throws Exception {
        try (StdioBridge missing =
                        bridge(config(List.of("/nonexistent/mcp-server"), Map.of(), false, Duration.ofSeconds(5)));
                StdioBridge silent = bridge(config(
                        List.of("node", SCRIPT.toString()), Map.of("MODE", "silent"), false, Duration.ofMillis(300)))) {
            HttpResponse<String> noLaunch = post(missing, call(1, "plain", "x"));
            assertThat(noLaunch.statusCode()).isEqualTo(502);
            assertThat(JSON.readTree(noLaunch.body()).at("/error/code").asInt()).isEqualTo(-32005);
            assertThat(missing.ready()).isCompletedExceptionally();

            HttpResponse<String> noHandshake = post(silent, call(1, "plain", "x"));
            assertThat(noHandshake.statusCode()).isEqualTo(502);
            assertThat(JSON.readTree(noHandshake.body()).at("/error/message").asText())
                    .contains("stdio MCP server");
        }
    }

    @Test
    void per_subject_mode_needs_the_subject_and_gives_it_its_own_child() throws Exception {
        try (StdioBridge bridge = scripted(Map.of(), true)) {
            assertThat(bridge.perSubject()).isTrue();
            assertThat(bridge.ready()).isNotCompletedExceptionally();
            assertThat(post(bridge, call(1, "plain", "x")).statusCode()).isEqualTo(400);

            HttpResponse<String> alice = HTTP.send(
                    request(bridge)
                            .header(StdioBridge.SUBJECT_HEADER, "YWxpY2U")
                            .POST(HttpRequest.BodyPublishers.ofString(call(1, "plain", "alice")))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(alice.body()).at("/result/content/0/text").asText())
                    .isEqualTo("plain alice");
            assertThat(bridge.pids()).hasSize(1);
            assertThat(URI.create(bridge.url().toString()).getHost()).isEqualTo("127.0.0.1");
        }
    }
}
