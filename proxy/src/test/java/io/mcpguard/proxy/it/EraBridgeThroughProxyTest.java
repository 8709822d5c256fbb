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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The era bridge on the wire, in front of a legacy-era server that answers raw HTTP and shows what it received: the
 * handshake the proxy makes for a subject, what a bridged request carries (the subject's session, the legacy version,
 * no modern envelope) and what the modern client gets back (no session, a result shaped for its era), {@code
 * server/discover} answered from the session, a server that refuses the handshake, a session the server lost, and the
 * bound of sessions. Decided by a real OPA for viewers of acme; one subject per test, named by a header.
 */
class EraBridgeThroughProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODERN = "2026-07-28";
    private static final String SUBJECT_HEADER = "X-Test-Subject";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String INITIALIZED = """
            {"jsonrpc":"2.0","id":"mcpguard-bridge","result":{"protocolVersion":"2025-11-25",\
            "capabilities":{"tools":{"listChanged":true},"logging":{},"resources":{"subscribe":true}},\
            "serverInfo":{"name":"legacy-server","version":"9"},"instructions":"Read before you write."}}""";

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.builder()
            .scriptedUpstream()
            .settings(Map.of("upstream.bridge.max-sessions", "1"))
            .subjects((ctx, request) -> new Subject(
                    request.headers().get(SUBJECT_HEADER, "nobody"),
                    true,
                    "jwt",
                    List.of("viewer@acme/*"),
                    List.of(),
                    "acme",
                    List.of("pwd"),
                    null,
                    null,
                    null))
            .build();

    /** A legacy server: session {@code sessionId} for every initialize, {@code call} for anything else. */
    private static void legacyServer(String sessionId, Answer call) {
        stack.scripted().script(body -> {
            if (body.contains("\"method\":\"initialize\"")) {
                return new Answer(
                        200, "application/json", List.of(Piece.of(INITIALIZED)), Map.of("Mcp-Session-Id", sessionId));
            }
            if (body.contains("notifications/initialized")) {
                return new Answer(202, null, List.of());
            }
            return body.isEmpty() ? new Answer(204, null, List.of()) : call; // a DELETE ends a session
        });
    }

    private static Answer result(String result) {
        return new Answer(
                200,
                "application/json",
                List.of(Piece.of("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" + result + "}")),
                Map.of("Mcp-Session-Id", "the-bridges-own"));
    }

    private static HttpResponse<String> modern(String subject, String method, String params) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":{" + params
                + (params.isEmpty() ? "" : ",") + "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"" + MODERN
                + "\",\"io.modelcontextprotocol/clientInfo\":{\"name\":\"t\",\"version\":\"1\"},"
                + "\"io.modelcontextprotocol/clientCapabilities\":{},\"progressToken\":7}}}";
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(stack.proxy().mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", MODERN)
                .header("Mcp-Method", method)
                .header(SUBJECT_HEADER, subject)
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (method.equals("tools/call")) {
            request.header("Mcp-Name", "get_repository");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** What a POST brought the server: its body and headers. Sessions ended at other subjects' turns are left out. */
    private record Received(String body, Map<String, List<String>> headers) {}

    private static List<Received> posts() {
        List<String> targets = stack.scripted().requestTargets();
        List<String> bodies = stack.scripted().bodies();
        List<Map<String, List<String>>> headers = stack.scripted().requestHeaders();
        List<Received> posts = new java.util.ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            if (targets.get(i).startsWith("POST")) {
                posts.add(new Received(bodies.get(i), headers.get(i)));
            }
        }
        return posts;
    }

    private static final String CALL =
            "\"name\":\"get_repository\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\"}";

    @Test
    void a_bridged_call_travels_in_the_subjects_session_without_the_modern_envelope() throws Exception {
        legacyServer("session-a", result("{\"content\":[{\"type\":\"text\",\"text\":\"repository acme/api\"}]}"));

        HttpResponse<String> answer = modern("alice", "tools/call", CALL);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Mcp-Session-Id"))
                .as("the bridge's session stays hidden")
                .isEmpty();
        JsonNode result = JSON.readTree(answer.body()).get("result");
        assertThat(result.get("resultType").asText()).isEqualTo("complete");
        assertThat(result.at("/content/0/text").asText()).isEqualTo("repository acme/api");

        List<Received> posts = posts();
        assertThat(posts).hasSize(3);
        JsonNode initialize = JSON.readTree(posts.get(0).body());
        assertThat(initialize.get("method").asText()).isEqualTo("initialize");
        assertThat(initialize.at("/params/protocolVersion").asText()).isEqualTo("2025-11-25");
        assertThat(initialize.at("/params/capabilities").isEmpty()).isTrue();
        assertThat(JSON.readTree(posts.get(1).body()).get("method").asText()).isEqualTo("notifications/initialized");
        assertThat(posts.get(1).headers()).containsEntry("Mcp-session-id", List.of("session-a"));
        JsonNode call = JSON.readTree(posts.get(2).body());
        assertThat(call.get("method").asText()).isEqualTo("tools/call");
        assertThat(call.at("/params/_meta").fieldNames())
                .toIterable()
                .as("the envelope is the session's business now; the rest of _meta stays")
                .contains("progressToken")
                .noneMatch(name -> name.startsWith("io.modelcontextprotocol/"));
        assertThat(posts.get(2).headers())
                .containsEntry("Mcp-session-id", List.of("session-a"))
                .containsEntry("Mcp-protocol-version", List.of("2025-11-25"));
    }

    @Test
    void server_discover_is_answered_from_the_session_with_what_the_bridge_can_honour() throws Exception {
        legacyServer("session-b", result("{}"));

        HttpResponse<String> answer = modern("bob", "server/discover", "");

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode result = JSON.readTree(answer.body()).get("result");
        assertThat(result.get("supportedVersions").toString()).isEqualTo("[\"" + MODERN + "\"]");
        assertThat(result.get("capabilities").toString())
                .as("list changes and subscriptions need subscriptions/listen; logging/setLevel is gone")
                .isEqualTo("{\"tools\":{},\"resources\":{}}");
        assertThat(result.get("instructions").asText()).isEqualTo("Read before you write.");
        assertThat(result.at("/_meta/io.modelcontextprotocol~1serverInfo/name").asText())
                .isEqualTo("legacy-server");
        assertThat(result.get("resultType").asText()).isEqualTo("complete");
        assertThat(result.get("ttlMs").asInt()).isZero();
        assertThat(result.get("cacheScope").asText()).isEqualTo("private");
        assertThat(stack.scripted().bodies()).noneMatch(body -> body.contains("server/discover"));
    }

    @Test
    void subscriptions_listen_is_not_found_through_the_bridge() throws Exception {
        legacyServer("session-g", result("{}"));

        HttpResponse<String> answer = modern("gina", "subscriptions/listen", "");

        assertThat(answer.statusCode()).isEqualTo(404);
        JsonNode error = JSON.readTree(answer.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32601);
        assertThat(error.get("message").asText()).contains("not available through the proxy's era bridge");
        assertThat(posts()).noneMatch(post -> post.body().contains("subscriptions/listen"));
    }

    @Test
    void a_server_that_refuses_the_handshake_gives_a_clean_error_and_nothing_is_forwarded() throws Exception {
        stack.scripted()
                .script(body -> new Answer(500, "text/plain", List.of(Piece.of("java.lang.NullPointerException"))));

        HttpResponse<String> answer = modern("carol", "tools/call", CALL);

        JsonNode error = JSON.readTree(answer.body()).get("error");
        assertThat(JSON.readTree(answer.body()).get("id").asInt()).isEqualTo(1);
        assertThat(error.get("code").asInt()).isEqualTo(-32005);
        assertThat(error.get("message").asText())
                .isEqualTo("MCP server did not open a session for the proxy's era bridge")
                .doesNotContain("NullPointer");
        assertThat(posts()).allMatch(post -> post.body().contains("\"method\":\"initialize\""));
    }

    @Test
    void a_session_the_server_lost_is_opened_anew_for_the_next_request() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        stack.scripted().script(body -> {
            if (body.contains("\"method\":\"initialize\"")) {
                return new Answer(
                        200,
                        "application/json",
                        List.of(Piece.of(INITIALIZED)),
                        Map.of("Mcp-Session-Id", "session-d" + calls.get()));
            }
            if (body.contains("notifications/initialized")) {
                return new Answer(202, null, List.of());
            }
            if (body.isEmpty()) {
                return new Answer(204, null, List.of());
            }
            return calls.incrementAndGet() == 1
                    ? new Answer(404, "application/json", List.of(Piece.of("{\"error\":\"session not found\"}")))
                    : result("{\"content\":[]}");
        });

        HttpResponse<String> lost = modern("dave", "tools/call", CALL);
        HttpResponse<String> next = modern("dave", "tools/call", CALL);

        assertThat(lost.statusCode()).isEqualTo(404);
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(stack.scripted().bodies().stream().filter(b -> b.contains("\"method\":\"initialize\"")))
                .hasSize(2);
        assertThat(posts().get(posts().size() - 1).headers()).containsEntry("Mcp-session-id", List.of("session-d1"));
    }

    @Test
    void beyond_the_bound_the_least_recently_used_session_is_ended_at_the_server() throws Exception {
        legacyServer("session-e", result("{\"content\":[]}"));
        assertThat(modern("erin", "tools/call", CALL).statusCode()).isEqualTo(200);
        legacyServer("session-f", result("{\"content\":[]}"));

        assertThat(modern("frank", "tools/call", CALL).statusCode()).isEqualTo(200);

        Instant deadline = Instant.now().plusSeconds(10);
        while (!ended("session-e") && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        assertThat(ended("session-e"))
                .as("max-sessions is 1: erin's session made room for frank's; requests: "
                        + stack.scripted().requestTargets())
                .isTrue();
        assertThat(ended("session-f")).as("frank's session is the one kept").isFalse();
    }

    /** Whether the server was sent a DELETE for {@code session}. */
    private static boolean ended(String session) {
        List<String> targets = stack.scripted().requestTargets();
        List<Map<String, List<String>>> headers = stack.scripted().requestHeaders();
        for (int i = 0; i < targets.size(); i++) {
            if (targets.get(i).startsWith("DELETE")
                    && List.of(session).equals(headers.get(i).get("Mcp-session-id"))) {
                return true;
            }
        }
        return false;
    }
}
