package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.JsonRpcAnswers;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Quotas enforced by the proxy with the policy's numbers: a real OPA runs the repository's policies with the read
 * quota lowered to 3 per 9 s (so the test can exhaust and watch it refill) and the example prompt and resource
 * allowances, in front of a real MCP server.
 */
class QuotaThroughProxyTest {
    private static final Subject VIEWER = new Subject(
            "quota-viewer", true, "jwt", List.of("viewer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);
    /** A second viewer, with a bucket of its own, for resource reads (sent with the header below). */
    private static final Subject READER = new Subject(
            "quota-reader", true, "jwt", List.of("viewer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);

    private static final String AS_READER = "X-Test-Subject";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.builder()
            // One token back every 3 s: long enough that four calls in a row exhaust it even on a loaded machine.
            .policies(scratch -> {
                OpaProcess.copyRepoPolicies(scratch);
                OpaProcess.setReadQuota(scratch, "viewer", 3, 9_000L);
                OpaProcess.useExampleExposure(scratch);
                OpaProcess opa = new OpaProcess(scratch);
                opa.start();
                return opa;
            })
            .subjects((ctx, request) -> request.headers().contains(AS_READER) ? READER : VIEWER)
            .build();

    @BeforeAll
    static void start() throws Exception {
        session = openSession(null);
        readerSession = openSession(AS_READER);
    }

    private static String session;
    private static String readerSession;

    private static HttpResponse<String> post(String json) throws Exception {
        return post(json, session, null);
    }

    private static HttpResponse<String> post(String json, String session, String header) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(stack.proxy().mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        if (header != null) {
            request.header(header, "yes");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A session with the real MCP server behind the proxy, as a client opens it. */
    private static String openSession(String header) throws Exception {
        HttpResponse<String> initialized = post(
                "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                        + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                        + "\"clientInfo\":{\"name\":\"quota-test\",\"version\":\"1\"}}}",
                null,
                header);
        String opened = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", opened, header);
        return opened;
    }

    private static JsonNode call(int id) throws Exception {
        HttpResponse<String> response = post("{\"jsonrpc\":\"2.0\",\"id\":" + id
                + ",\"method\":\"tools/call\",\"params\":{\"name\":\"get_repository\","
                + "\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\"}}}");
        return JsonRpcAnswers.message(response);
    }

    @Test
    void calls_over_the_quota_are_refused_with_when_to_retry_and_pass_again_after_refill() throws Exception {
        for (int i = 1; i <= 3; i++) {
            assertThat(call(i).has("result")).as("call %d within quota", i).isTrue();
        }
        int reachedBefore = stack.upstream().bodies().size();

        JsonNode refused = call(4);

        JsonNode error = refused.get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32029);
        long retryAfter = error.get("data").get("retry_after_ms").asLong();
        assertThat(retryAfter).isBetween(1L, 3_000L);
        assertThat(error.get("data").get("limit").asLong()).isEqualTo(3);
        assertThat(stack.upstream().bodies())
                .as("a refused call never reaches the server")
                .hasSize(reachedBefore);

        Thread.sleep(retryAfter + 50);
        assertThat(call(5).has("result")).as("a token came back").isTrue();
        assertThat(call(6).get("error").get("code").asInt()).isEqualTo(-32029);
    }

    @Test
    void resource_reads_take_from_the_same_read_quota_as_read_tools() throws Exception {
        String read = "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"resources/read\","
                + "\"params\":{\"uri\":\"demo://resource/static/document/features.md\"}}";
        // The Bitbucket core offers no resources (it answers -32601): what counts here is that the proxy let the
        // read through to it, and took a token for it.
        for (int i = 1; i <= 2; i++) {
            int reached = stack.upstream().bodies().size();
            JsonNode answer = JsonRpcAnswers.message(post(read.formatted(i), readerSession, AS_READER));
            assertThat(answer.path("error").path("code").asInt())
                    .as("read %d: %s", i, answer)
                    .isNotEqualTo(-32029);
            assertThat(stack.upstream().bodies())
                    .as("read %d reached the server", i)
                    .hasSize(reached + 1);
        }
        JsonNode tool = JsonRpcAnswers.message(post(
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"get_repository\","
                        + "\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\"}}}",
                readerSession,
                AS_READER));
        assertThat(tool.has("result")).as("the third read, through a tool").isTrue();

        int reachedBefore = stack.upstream().bodies().size();

        JsonNode refused = JsonRpcAnswers.message(post(read.formatted(4), readerSession, AS_READER));

        assertThat(refused.get("error").get("code").asInt())
                .as("a fourth read, as a resource: over the one read quota")
                .isEqualTo(-32029);
        assertThat(refused.get("error").get("data").get("limit").asLong()).isEqualTo(3);
        assertThat(stack.upstream().bodies())
                .as("the refused read never reaches the server")
                .hasSize(reachedBefore);
    }
}
