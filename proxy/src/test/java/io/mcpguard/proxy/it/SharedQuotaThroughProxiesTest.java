package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.JsonRpcAnswers;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.RecordingUpstream;
import io.mcpguard.proxy.testing.RedisProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas share one quota through Redis: two proxies in front of one real MCP server, a real OPA with the
 * repository's policies (the viewer's read quota lowered to 4 per hour, so nothing refills during the test), and a
 * real redis-server. Then Redis goes away and comes back while the proxies run: a quota whose policy says {@code
 * deny} (the default) refuses promptly, one whose policy says {@code local} counts in the replica's own bucket, and
 * both share again once Redis answers, without restarting a proxy.
 *
 * <p>Not on {@link io.mcpguard.proxy.testing.ProxyStack}: the subject is several proxies (three, on two OPAs with
 * differently edited quota data) sharing one Redis, which a single-proxy stack does not describe.
 */
class SharedQuotaThroughProxiesTest {
    private static final Subject VIEWER = new Subject(
            "shared-viewer", true, "jwt", List.of("viewer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);
    private static final Subject OTHER_VIEWER = new Subject(
            "local-viewer", true, "jwt", List.of("viewer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path denyDir;

    @TempDir
    static Path localDir;

    private static RedisProcess redis;
    private static OpaProcess denyOpa;
    private static OpaProcess localOpa;
    private static RecordingUpstream upstream;
    private static Client first;
    private static Client second;
    private static Client fallingBack;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisProcess.started();
        denyOpa = opa(denyDir, "");
        localOpa = opa(localDir, ",\n  \"on_store_failure\": {\"read\": \"local\"}");
        upstream = new RecordingUpstream();
        Map<String, String> shared =
                Map.of("quota.store", "redis", "quota.redis.url", redis.url(), "quota.redis.timeout", "300ms");
        first = new Client(new ProxyHarness(upstream.url(), denyOpa.url(), shared, (ctx, request) -> VIEWER));
        second = new Client(new ProxyHarness(upstream.url(), denyOpa.url(), shared, (ctx, request) -> VIEWER));
        fallingBack =
                new Client(new ProxyHarness(upstream.url(), localOpa.url(), shared, (ctx, request) -> OTHER_VIEWER));
    }

    /** The repository's policies with the viewer's reads at 4 an hour, and {@code extra} in the quota data. */
    private static OpaProcess opa(Path dir, String extra) throws Exception {
        OpaProcess.copyRepoPolicies(dir);
        Path quotas = dir.resolve("mcp/quota/data.json");
        String data = Files.readString(quotas)
                .replace("\"read\": 60000", "\"read\": 3600000")
                .replace("\"viewer\": {\"read\": 600}", "\"viewer\": {\"read\": 4}");
        data = data.substring(0, data.lastIndexOf('}')).stripTrailing() + extra + "\n}\n";
        Files.writeString(quotas, data);
        OpaProcess opa = new OpaProcess(dir);
        opa.start();
        return opa;
    }

    @AfterAll
    static void stop() {
        for (Client client : new Client[] {first, second, fallingBack}) {
            if (client != null) client.proxy.close();
        }
        if (upstream != null) upstream.close();
        if (denyOpa != null) denyOpa.close();
        if (localOpa != null) localOpa.close();
        if (redis != null) redis.close();
    }

    @Test
    void two_proxies_enforce_one_limit_together_and_honour_the_fail_mode_while_redis_is_away() throws Exception {
        // Both proxies draw from one bucket: 4 calls pass in all, wherever they land.
        assertThat(first.call().has("result")).isTrue();
        assertThat(second.call().has("result")).isTrue();
        assertThat(first.call().has("result")).isTrue();
        assertThat(second.call().has("result")).isTrue();
        JsonNode overOnFirst = first.call().get("error");
        JsonNode overOnSecond = second.call().get("error");
        assertThat(overOnFirst.get("code").asInt()).isEqualTo(-32029);
        assertThat(overOnSecond.get("code").asInt()).isEqualTo(-32029);
        assertThat(overOnSecond.get("data").get("limit").asLong()).isEqualTo(4);

        // Another subject (behind a policy that says local) has a bucket of its own.
        assertThat(fallingBack.call().has("result")).isTrue();

        redis.stop();
        int reachedBefore = upstream.bodies().size();

        JsonNode refused = first.call().get("error");
        assertThat(refused.get("code").asInt()).isEqualTo(-32004);
        assertThat(refused.get("message").asText()).contains("Quota store unavailable");
        assertThat(second.call().get("error").get("code").asInt()).isEqualTo(-32004);
        assertThat(upstream.bodies())
                .as("a call refused for want of the quota store never reaches the server")
                .hasSize(reachedBefore);
        // local: this replica's own bucket, full at first, then enforced at the same limit
        for (int i = 0; i < 4; i++) {
            assertThat(fallingBack.call().has("result")).as("local call %d", i).isTrue();
        }
        assertThat(fallingBack.call().get("error").get("code").asInt()).isEqualTo(-32029);

        redis.start();

        // Back without restarting a proxy; the restarted Redis (no persistence) starts every bucket afresh.
        JsonNode answer = awaitNotUnavailable(first);
        assertThat(answer.has("result")).isTrue();
        // Each replica reconnects on its own (at most once a second): the second may see Redis a moment later.
        assertThat(awaitNotUnavailable(second).has("result")).isTrue();
        assertThat(first.call().has("result")).isTrue();
        assertThat(second.call().has("result")).isTrue();
        assertThat(first.call().get("error").get("code").asInt()).isEqualTo(-32029);
    }

    private static JsonNode awaitNotUnavailable(Client client) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            JsonNode answer = client.call();
            boolean unavailable =
                    answer.has("error") && answer.get("error").get("code").asInt() == -32004;
            if (!unavailable || System.nanoTime() > deadline) {
                return answer;
            }
            Thread.sleep(100);
        }
    }

    /** An MCP session through one proxy. */
    private static final class Client {
        final ProxyHarness proxy;
        private String session;
        private int nextId = 1;

        Client(ProxyHarness proxy) throws Exception {
            this.proxy = proxy;
            HttpResponse<String> initialized = post("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                    + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                    + "\"clientInfo\":{\"name\":\"shared-quota-test\",\"version\":\"1\"}}}");
            session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
            post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        }

        JsonNode call() throws Exception {
            return JsonRpcAnswers.message(post("{\"jsonrpc\":\"2.0\",\"id\":" + nextId++
                    + ",\"method\":\"tools/call\",\"params\":{\"name\":\"get_repository\","
                    + "\"arguments\":{\"workspace\":\"acme\",\"repo\":\"api\"}}}"));
        }

        private HttpResponse<String> post(String json) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofString(json));
            if (session != null) {
                request.header("Mcp-Session-Id", session);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
