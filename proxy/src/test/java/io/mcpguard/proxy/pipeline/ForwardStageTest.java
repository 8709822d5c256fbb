package io.mcpguard.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.auth.Authenticator;
import io.mcpguard.proxy.bridge.LegacyBridge;
import io.mcpguard.proxy.budget.Budget;
import io.mcpguard.proxy.budget.BudgetRefusals;
import io.mcpguard.proxy.budget.ConcurrencyBudget;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.forward.AnswerInspection;
import io.mcpguard.proxy.forward.SealedRequestStates;
import io.mcpguard.proxy.forward.TraceContextInjector;
import io.mcpguard.proxy.forward.UpstreamClient;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.http.Readiness;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.MaskedSnapshots;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.mask.UpstreamErrorSanitizer;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.mcpguard.proxy.policy.PolicyEngine;
import io.mcpguard.proxy.policy.PolicyGate;
import io.mcpguard.proxy.policy.PolicyInput;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.quota.LocalQuotaStore;
import io.mcpguard.proxy.quota.QuotaGate;
import io.mcpguard.proxy.testing.ScriptedUpstream;
import io.mcpguard.proxy.testing.ScriptedUpstream.Answer;
import io.mcpguard.proxy.testing.ScriptedUpstream.Piece;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.opentelemetry.api.OpenTelemetry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole message path, forward stage last, on a real socket in front of a real HTTP server ({@link
 * ScriptedUpstream}): what was allowed is sent with the trail's trace context, its answer comes back inspected as
 * the decision planned (lists cut, masks applied, a GET stream masked for every class), and what the relay reports
 * lands in the exchange's log — including a server that cannot be reached, answered as a JSON-RPC error. The policy
 * is a fixed table; the real OPA decides in the integration tests.
 */
class ForwardStageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "AKIAZ7QWERTY12345678";
    private static final String EMAIL = "jordan.lee@acme-corp.example";
    private static final String CLIENT_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final Subject ALICE =
            new Subject("alice", true, "jwt", List.of("viewer"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final TextMasker TEXTS =
            new TextMasker(SensitiveDataScanner.withDefaults(List.of("internal")), new byte[32]);

    /** Allows everything; masks secrets in get_repository's answer; lets tools/list show get_repository only. */
    private static final PolicyEngine TABLE = new PolicyEngine() {
        @Override
        public CompletableFuture<Decision> decide(PolicyInput input) {
            String tool = input.message().toolName();
            List<String> mask = "get_repository".equals(tool) ? List.of("secret") : List.of();
            Set<String> tools = "tools/list".equals(input.message().method()) ? Set.of("get_repository") : null;
            return CompletableFuture.completedFuture(
                    new Decision(true, List.of(), mask, null, null, null, 0, tools, "d-1", "rev-1", null));
        }

        @Override
        public void close() {}
    };

    private static ScriptedUpstream server;
    private static NioEventLoopGroup group;
    private static Authenticator noAuth;
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final BlockingQueue<ExchangeLog> completed = new LinkedBlockingQueue<>();
    private final LocalQuotaStore quotaStore = new LocalQuotaStore(100, Duration.ofMinutes(1));
    private UpstreamClient upstream;
    private Channel listener;

    @BeforeAll
    static void start() {
        server = new ScriptedUpstream();
        group = new NioEventLoopGroup(1);
        noAuth = new Authenticator(new ProxyConfig.Auth(
                ProxyConfig.Auth.Mode.NONE,
                URI.create("http://127.0.0.1/mcp"),
                null,
                null,
                List.of("RS256"),
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                List.of(),
                Map.of(),
                Map.of(),
                null,
                new ProxyConfig.Auth.Claims("roles", "groups", "tenant"),
                null,
                Duration.ofSeconds(30),
                Duration.ofMinutes(30),
                100,
                10));
    }

    @AfterAll
    static void stop() {
        server.close();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        noAuth.close();
    }

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (upstream != null) {
            upstream.close();
        }
        quotaStore.close();
        server.clear();
    }

    /** The proxy's message path on a loopback port, forwarding to {@code upstreamUrl}; returns its base URL. */
    private String proxy(String upstreamUrl, boolean tracing, boolean recordToolCalls) throws Exception {
        return proxy(upstreamUrl, tracing, recordToolCalls, false, null);
    }

    /**
     * @param bridged whether modern requests are bridged to a legacy server
     * @param states seals multi round-trip states, or null
     */
    private String proxy(
            String upstreamUrl, boolean tracing, boolean recordToolCalls, boolean bridged, SealedRequestStates states)
            throws Exception {
        AnswerInspection inspection = new AnswerInspection(
                new JsonMasker(TEXTS),
                new UpstreamErrorSanitizer(TEXTS),
                MaskRules.redactAll(),
                recordToolCalls ? new MaskedSnapshots(new JsonMasker(TEXTS), MaskRules.redactAll(), 1000) : null);
        upstream = new UpstreamClient(
                new ProxyConfig.Upstream(
                        URI.create(upstreamUrl),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        4,
                        "X-Upstream-Key",
                        null,
                        null),
                null,
                1,
                new DeclaredTools(10),
                inspection,
                1 << 20);
        HttpAnswers answers = new HttpAnswers(JSON);
        MessagePath path = new MessagePath(new MessagePath.Parts(
                "/mcp",
                new JsonRpcDecoder(64, 1 << 20, 32),
                (ctx, request) -> ALICE,
                noAuth,
                new PolicyGate(TABLE),
                new QuotaGate(quotaStore),
                upstream,
                answers,
                tracing ? new TraceContextInjector(JSON) : null,
                recordToolCalls,
                new Readiness(List.of()),
                new ConcurrencyBudget(
                        Budget.DECISIONS,
                        4,
                        new BudgetRefusals(OpenTelemetry.noop().getMeter("t"))),
                bridged ? new LegacyBridge(upstream, ProxyConfig.Bridge.DEFAULT, group, JSON, 1 << 20) : null,
                states));
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(1 << 20))
                                .addLast(new ExchangeLogStage(completed::add));
                        path.addTo(ch.pipeline());
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
        return "http://127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort() + "/mcp";
    }

    private static HttpResponse<String> post(String url, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String call(int id, String tool) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":{\"workspace\":\"acme\"}}}";
    }

    private ExchangeLog nextLog() throws InterruptedException {
        ExchangeLog log = completed.poll(10, TimeUnit.SECONDS);
        assertThat(log).as("the exchange completed").isNotNull();
        return log;
    }

    private static Answer json(String body) {
        return new Answer(200, "application/json", List.of(Piece.of(body)));
    }

    @Test
    void an_allowed_call_goes_with_the_trail_s_trace_context_and_its_answer_is_masked_as_decided() throws Exception {
        String url = proxy(server.url(), true, false);
        server.script(body -> json("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\","
                + "\"text\":\"key " + KEY + "\"}]}}"));

        HttpResponse<String> answer = post(url, call(7, "get_repository"), "traceparent", CLIENT_TRACEPARENT);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("[REDACTED:aws-access-key]").doesNotContain(KEY);
        ExchangeLog log = nextLog();
        assertThat(log.ending().outcome()).isEqualTo(Outcome.ALLOW);
        assertThat(log.upstreamStatus()).isEqualTo(200);
        assertThat(log.masked().total()).isEqualTo(1);
        assertThat(log.forwardedEpochNanos()).isGreaterThanOrEqualTo(log.decidedEpochNanos());
        assertThat(log.hops()).hasSize(1);
        String hopTraceparent =
                server.requestHeaders().get(0).get("Traceparent").get(0);
        assertThat(hopTraceparent)
                .as("the client's trace continues on the hop with the trail's own span")
                .startsWith("00-0af7651916cd43dd8448eb211c80319c-")
                .isEqualTo("00-" + log.hops().get(0).traceId() + "-"
                        + log.hops().get(0).spanId() + "-01")
                .isNotEqualTo(CLIENT_TRACEPARENT);
        JsonNode sent = JSON.readTree(server.bodies().get(0));
        assertThat(sent.at("/params/_meta/traceparent").asText()).isEqualTo(hopTraceparent);
        assertThat(log.answers())
                .as("a plain success is not recorded unless asked")
                .isEmpty();
    }

    @Test
    void without_the_trail_the_body_goes_as_decided_and_no_hop_is_recorded() throws Exception {
        String url = proxy(server.url(), false, false);
        server.script(body -> json("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"));

        post(url, call(1, "list_branches"), "traceparent", CLIENT_TRACEPARENT);

        ExchangeLog log = nextLog();
        assertThat(log.hops()).isNull();
        assertThat(log.forwardedEpochNanos()).isPositive();
        assertThat(JSON.readTree(server.bodies().get(0)).at("/params/_meta").isMissingNode())
                .isTrue();
        assertThat(log.masked()).as("nothing to mask, nothing reported").isNull();
    }

    @Test
    void a_tools_list_is_cut_to_the_decision_and_the_session_s_get_stream_to_that_view_with_every_class_masked()
            throws Exception {
        String url = proxy(server.url(), false, false);
        String tools = "{\"tools\":[{\"name\":\"get_repository\",\"inputSchema\":{\"type\":\"object\"}},"
                + "{\"name\":\"merge_pull_request\",\"inputSchema\":{\"type\":\"object\"}}]}";
        server.script(body -> json("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" + tools + "}"));

        HttpResponse<String> listed = post(
                url, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}", "Mcp-Session-Id", "s-1");

        assertThat(JSON.readTree(listed.body()).at("/result/tools").findValuesAsText("name"))
                .containsExactly("get_repository");
        assertThat(nextLog().hiddenItems()).isEqualTo(1);

        // The stream replays a list answer and sends a message of its own; no decision covers either.
        server.script(body -> new Answer(
                200,
                "text/event-stream",
                List.of(Piece.of("data: {\"jsonrpc\":\"2.0\",\"id\":9,\"result\":" + tools + "}\n\n"
                        + "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"data\":\""
                        + EMAIL + "\"}}\n\n"))));
        HttpResponse<String> stream = CLIENT.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .header("Mcp-Session-Id", "s-1")
                        .header("Accept", "text/event-stream")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body())
                .contains("get_repository", "[REDACTED:email]")
                .doesNotContain("merge_pull_request", EMAIL);
        ExchangeLog streamLog = nextLog();
        assertThat(streamLog.ending().outcome()).isEqualTo(Outcome.ALLOW);
        assertThat(streamLog.hiddenItems()).isEqualTo(1);
        assertThat(streamLog.verdict()).as("no decision covers a stream").isNull();
    }

    @Test
    void a_stream_in_a_session_with_no_list_seen_hides_every_tool() throws Exception {
        String url = proxy(server.url(), false, false);
        server.script(body -> new Answer(
                200,
                "text/event-stream",
                List.of(Piece.of("data: {\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"tools\":[{\"name\":"
                        + "\"get_repository\",\"inputSchema\":{\"type\":\"object\"}}]}}\n\n"))));

        HttpResponse<String> stream = CLIENT.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .header("Mcp-Session-Id", "never-listed")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(stream.body()).contains("\"tools\":[]").doesNotContain("get_repository");
        assertThat(nextLog().hiddenItems()).isEqualTo(1);
    }

    @Test
    void an_answer_to_a_delete_is_tied_to_no_decision_and_masked_with_every_class() throws Exception {
        String url = proxy(server.url(), false, false);
        server.script(body -> json("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + " " + EMAIL + "\"}}"));

        HttpResponse<String> answer = CLIENT.send(
                HttpRequest.newBuilder(URI.create(url + "?x=1"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Mcp-Session-Id", "s-1")
                        .DELETE()
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(answer.body()).doesNotContain(KEY, EMAIL).contains("[REDACTED:email]");
        ExchangeLog log = nextLog();
        assertThat(log.unmatchedAnswers()).isEqualTo(1);
        assertThat(log.head().httpMethod()).isEqualTo("DELETE");
    }

    @Test
    void recorded_tool_calls_hand_the_trail_a_masked_copy_of_each_answer() throws Exception {
        String url = proxy(server.url(), false, true);
        server.script(body -> json("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + EMAIL + "\"}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"t\":\"ok\"}}]"));

        post(
                url,
                "[" + call(1, "list_branches") + ",{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\","
                        + "\"params\":{}}]");

        ExchangeLog log = nextLog();
        assertThat(log.answers())
                .as("the tool call is recorded, masked for every class; the list request is no tool call")
                .singleElement()
                .satisfies(recorded -> {
                    assertThat(recorded.idKey()).isEqualTo("1");
                    assertThat(recorded.recorded()).contains("[REDACTED:email]").doesNotContain(EMAIL);
                });
    }

    @Test
    void an_unreachable_server_is_answered_as_an_upstream_error_with_the_request_s_id_or_none_for_a_batch()
            throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String url = proxy("http://127.0.0.1:" + closedPort + "/mcp", false, false);

        HttpResponse<String> single = post(url, call(5, "list_branches"));
        ExchangeLog singleLog = nextLog();
        HttpResponse<String> batch = post(url, "[" + call(6, "list_branches") + "," + call(7, "list_branches") + "]");
        ExchangeLog batchLog = nextLog();

        JsonNode singleError = JSON.readTree(single.body());
        assertThat(singleError.at("/error/code").asInt()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE.code());
        assertThat(singleError.get("id").asInt()).isEqualTo(5);
        assertThat(singleLog.ending().outcome()).isEqualTo(Outcome.UPSTREAM_ERROR);
        assertThat(singleLog.ending().code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
        JsonNode batchError = JSON.readTree(batch.body());
        assertThat(batch.statusCode())
                .as("no id to answer a batch's failure by: one error, its status the code's")
                .isEqualTo(502);
        assertThat(batchError.isObject()).isTrue();
        assertThat(batchError.get("id").isNull()).isTrue();
        assertThat(batchLog.ending().outcome()).isEqualTo(Outcome.UPSTREAM_ERROR);
    }

    private static String modern(int id, String method, String params) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":{" + params
                + (params.isEmpty() ? "" : ",")
                + "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}";
    }

    private static HttpResponse<String> postModern(String url, String method, String body, String name)
            throws Exception {
        return name == null
                ? post(url, body, "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", method)
                : post(url, body, "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", method, "Mcp-Name", name);
    }

    @Test
    void a_modern_request_to_a_legacy_server_travels_in_the_bridge_s_session() throws Exception {
        String url = proxy(server.url(), false, false, true, null);
        int[] calls = {0};
        server.script(body -> {
            if (body.contains("\"method\":\"initialize\"")) {
                return new Answer(
                        200,
                        "application/json",
                        List.of(Piece.of("{\"jsonrpc\":\"2.0\",\"id\":\"mcpguard-bridge\",\"result\":{"
                                + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"tools\":{}}}}")),
                        Map.of("Mcp-Session-Id", "s-" + calls[0]));
            }
            if (body.isEmpty() || body.contains("notifications/initialized")) {
                return new Answer(202, null, List.of());
            }
            return ++calls[0] == 1
                    ? new Answer(404, "application/json", List.of(Piece.of("{}")))
                    : json("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[]}}");
        });

        HttpResponse<String> discover = postModern(url, "server/discover", modern(1, "server/discover", ""), null);
        HttpResponse<String> lost = postModern(url, "tools/call", modern(2, "tools/call", "\"name\":\"t\""), "t");
        HttpResponse<String> call = postModern(url, "tools/call", modern(3, "tools/call", "\"name\":\"t\""), "t");
        HttpResponse<String> listen =
                postModern(url, "subscriptions/listen", modern(4, "subscriptions/listen", ""), null);

        assertThat(JSON.readTree(discover.body()).at("/result/capabilities").toString())
                .isEqualTo("{\"tools\":{}}");
        assertThat(lost.statusCode()).isEqualTo(404);
        assertThat(call.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(call.body()).at("/result/resultType").asText()).isEqualTo("complete");
        assertThat(call.headers().firstValue("Mcp-Session-Id")).isEmpty();
        assertThat(server.bodies().stream().filter(b -> b.contains("\"method\":\"initialize\"")))
                .as("the lost session was opened anew")
                .hasSize(2);
        assertThat(listen.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(listen.body()).at("/error/code").asInt()).isEqualTo(-32601);
        assertThat(server.bodies()).noneMatch(b -> b.contains("server/discover") || b.contains("subscriptions/listen"));
    }

    @Test
    void a_listen_stream_holds_the_connection_and_is_masked_for_every_class() throws Exception {
        String url = proxy(server.url(), false, false);
        server.script(body -> new Answer(
                200,
                "text/event-stream",
                List.of(Piece.of("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":"
                        + "{\"data\":\"" + KEY + " " + EMAIL + "\"}}\n\n"))));

        HttpResponse<String> listen =
                postModern(url, "subscriptions/listen", modern(5, "subscriptions/listen", ""), null);

        assertThat(listen.statusCode()).isEqualTo(200);
        assertThat(listen.body()).contains("notifications/message").doesNotContain(KEY, EMAIL);
        assertThat(nextLog()).isNotNull();
    }

    @Test
    void a_multi_round_trip_state_is_sealed_for_the_client_and_opened_for_the_server() throws Exception {
        SealedRequestStates states = new SealedRequestStates(Duration.ofMinutes(10), java.time.Clock.systemUTC());
        String url = proxy(server.url(), false, false, false, states);
        server.script(body -> json("{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{\"resultType\":\"input_required\","
                + "\"requestState\":\"server-state\"}}"));

        HttpResponse<String> asked = post(url, call(6, "get_repository"));
        String sealed = JSON.readTree(asked.body()).at("/result/requestState").asText();
        server.clear();
        HttpResponse<String> retry = post(
                url,
                "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":"
                        + "{\"name\":\"get_repository\",\"requestState\":\"" + sealed + "\"}}");

        assertThat(sealed).startsWith(SealedRequestStates.PREFIX);
        assertThat(states.open("alice", sealed)).isEqualTo("server-state");
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(server.bodies().get(0))
                        .at("/params/requestState")
                        .asText())
                .isEqualTo("server-state");
    }
}
