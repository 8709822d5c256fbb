package io.mcpguard.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.budget.Budget;
import io.mcpguard.proxy.budget.BudgetRefusals;
import io.mcpguard.proxy.budget.ConcurrencyBudget;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.PolicyEngine;
import io.mcpguard.proxy.policy.PolicyGate;
import io.mcpguard.proxy.policy.PolicyInput;
import io.mcpguard.proxy.policy.PolicyUnavailableException;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.quota.LocalQuotaStore;
import io.mcpguard.proxy.quota.QuotaGate;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The message path's stages on an embedded channel: route → decode → decide → quota, each answering what is its to
 * answer and writing what it learned to the exchange log; what passes reaches the end of the path as an {@link
 * Exchange}. The policy engine here is a fixed table — the real OPA decides in the integration tests; these test
 * what the stages do with an answer.
 */
class MessagePathStagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject ALICE =
            new Subject("alice", true, "jwt", List.of("viewer"), List.of(), "acme", List.of("pwd"), null, null, null);

    private final List<ExchangeLog> completed = new ArrayList<>();
    private final List<Exchange> passed = new ArrayList<>();
    private final LocalQuotaStore quotaStore = new LocalQuotaStore(100, Duration.ofMinutes(1));
    private EmbeddedChannel channel;

    /** Allows get_repository (with a quota of 1), denies merge, and cannot decide "boom". */
    private static final PolicyEngine TABLE = new PolicyEngine() {
        @Override
        public CompletableFuture<Decision> decide(PolicyInput input) {
            String tool = input.message().toolName();
            if ("boom".equals(tool)) {
                return CompletableFuture.failedFuture(new PolicyUnavailableException("OPA is down"));
            }
            boolean allow = "get_repository".equals(tool);
            Decision.QuotaSpec quota = allow ? new Decision.QuotaSpec("alice:read", 1, 60_000, 1) : null;
            return CompletableFuture.completedFuture(new Decision(
                    allow,
                    allow ? List.of() : List.of("viewers may not merge"),
                    List.of("secret"),
                    quota,
                    null,
                    null,
                    0,
                    null,
                    "d-1",
                    "rev-1",
                    null));
        }

        @Override
        public void close() {}
    };

    /** One decision at a time for a subject, shared by every channel {@link #path} makes. */
    private final ConcurrencyBudget decisions = new ConcurrencyBudget(
            Budget.DECISIONS, 1, new BudgetRefusals(OpenTelemetry.noop().getMeter("test")));

    private EmbeddedChannel path() {
        return path(TABLE);
    }

    private EmbeddedChannel path(PolicyEngine engine) {
        HttpAnswers answers = new HttpAnswers(JSON);
        Replies replies = new Replies(answers);
        channel = new EmbeddedChannel(
                new ExchangeLogStage(completed::add),
                new McpRouter("/mcp", answers, new io.mcpguard.proxy.http.Readiness(java.util.List.of())),
                new McpDecoder(
                        new JsonRpcDecoder(64, 1 << 20, 32),
                        (ctx, request) -> ALICE,
                        replies,
                        new io.mcpguard.proxy.policy.DeclaredTools(10),
                        null),
                new PolicyCheck(new PolicyGate(engine), decisions, null, replies),
                new QuotaCheck(new QuotaGate(quotaStore), replies),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        passed.add((Exchange) msg);
                    }
                });
        return channel;
    }

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        quotaStore.close();
    }

    private static FullHttpRequest post(String body) {
        FullHttpRequest request = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp", Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        request.headers().set("Content-Type", "application/json").set("Host", "localhost");
        return request;
    }

    private static String call(int id, String tool) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":{\"workspace\":\"acme\"}}}";
    }

    private FullHttpResponse answer() {
        channel.runPendingTasks();
        return channel.readOutbound();
    }

    private static JsonNode json(FullHttpResponse response) throws Exception {
        return JSON.readTree(response.content().toString(StandardCharsets.UTF_8));
    }

    @Test
    void the_router_answers_health_unknown_paths_other_methods_and_broken_requests_itself() {
        path();
        FullHttpRequest health = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/healthz");
        FullHttpRequest elsewhere = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/admin");
        FullHttpRequest put = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/mcp");
        FullHttpRequest broken = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/mcp");
        broken.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad header")));

        channel.writeInbound(health);
        FullHttpResponse ok = answer();
        channel.writeInbound(elsewhere);
        FullHttpResponse notFound = answer();
        channel.writeInbound(put);
        FullHttpResponse notAllowed = answer();
        channel.writeInbound(broken);
        FullHttpResponse badRequest = answer();

        assertThat(ok.status().code()).isEqualTo(200);
        assertThat(notFound.status().code()).isEqualTo(404);
        assertThat(notAllowed.status().code()).isEqualTo(405);
        assertThat(notAllowed.headers().get("Allow")).isEqualTo("GET, POST, DELETE");
        assertThat(badRequest.status().code()).isEqualTo(400);
        assertThat(passed).isEmpty();
        assertThat(completed)
                .as("nothing here is an exchange the trail records")
                .isEmpty();
    }

    @Test
    void a_body_that_is_not_json_rpc_is_answered_by_the_decoder_and_recorded_as_invalid() throws Exception {
        path();
        FullHttpRequest text = post("hello");
        text.headers().set("Content-Type", "text/plain");

        channel.writeInbound(text);
        FullHttpResponse unsupported = answer();
        channel.writeInbound(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}"));
        FullHttpResponse duplicate = answer();

        assertThat(unsupported.status().code()).isEqualTo(415);
        assertThat(json(duplicate).get("error").get("code").asInt()).isEqualTo(-32700);
        assertThat(completed).hasSize(2);
        assertThat(completed.get(0).ending().outcome()).isEqualTo(Outcome.INVALID);
        assertThat(completed.get(0).ending().httpStatus()).isEqualTo(415);
        assertThat(completed.get(1).ending().code()).isEqualTo(ErrorCode.PARSE_ERROR);
        assertThat(completed.get(1).body())
                .as("a refused body is never recorded as decoded")
                .isNull();
        assertThat(passed).isEmpty();
    }

    @Test
    void an_mcp_method_header_that_contradicts_the_body_is_refused_before_the_policy() throws Exception {
        path();
        FullHttpRequest request = post(call(1, "get_repository"));
        request.headers().set("Mcp-Method", "tools/list");

        channel.writeInbound(request);

        assertThat(json(answer()).get("error").get("code").asInt()).isEqualTo(-32020);
        assertThat(passed).isEmpty();
    }

    @Test
    void a_repeated_mcp_header_is_refused_even_when_its_first_value_agrees() throws Exception {
        path();
        FullHttpRequest request = post(call(1, "get_repository"));
        request.headers().add("Mcp-Method", "tools/call").add("Mcp-Method", "tools/list");

        channel.writeInbound(request);

        assertThat(json(answer()).get("error").get("code").asInt()).isEqualTo(-32020);
        assertThat(passed).isEmpty();
        assertThat(completed.get(0).ending().outcome()).isEqualTo(Outcome.INVALID);
    }

    private static String modernCall(int id, String tool, String version) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":{\"workspace\":\"acme\"},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\""
                + version + "\"}}}";
    }

    private static FullHttpRequest modernPost(String body, String headerVersion) {
        FullHttpRequest request = post(body);
        if (headerVersion != null) {
            request.headers().set("MCP-Protocol-Version", headerVersion);
        }
        return request;
    }

    @Test
    void a_modern_request_passes_as_modern_with_its_session_header_dropped() {
        path();
        FullHttpRequest request = modernPost(modernCall(7, "get_repository", "2026-07-28"), "2026-07-28");
        request.headers().set("Mcp-Session-Id", "someone-elses");
        request.headers().set("Mcp-Method", "tools/call").set("Mcp-Name", "get_repository");

        channel.writeInbound(request);
        channel.runPendingTasks();

        assertThat(passed).hasSize(1);
        Exchange exchange = passed.get(0);
        assertThat(exchange.transport().era().era()).isEqualTo(io.mcpguard.proxy.jsonrpc.ProtocolEra.Era.MODERN);
        assertThat(exchange.transport().era().version()).isEqualTo("2026-07-28");
        assertThat(exchange.transport().sessionId()).isNull();
        assertThat(exchange.headers().get("Mcp-Session-Id"))
                .as("a modern request has no session, so none reaches the server")
                .isNull();
    }

    @Test
    void a_legacy_request_keeps_its_session_and_is_legacy() {
        path();
        FullHttpRequest request = modernPost(call(7, "get_repository"), "2025-11-25");
        request.headers().set("Mcp-Session-Id", "s-1");

        channel.writeInbound(request);
        channel.runPendingTasks();

        assertThat(passed).hasSize(1);
        assertThat(passed.get(0).transport().era().era()).isEqualTo(io.mcpguard.proxy.jsonrpc.ProtocolEra.Era.LEGACY);
        assertThat(passed.get(0).transport().sessionId()).isEqualTo("s-1");
        assertThat(passed.get(0).headers().get("Mcp-Session-Id")).isEqualTo("s-1");
    }

    @Test
    void a_modern_request_without_the_version_header_is_a_header_mismatch() throws Exception {
        path();
        channel.writeInbound(modernPost(modernCall(3, "get_repository", "2026-07-28"), null));

        FullHttpResponse refused = answer();
        assertThat(refused.status().code()).isEqualTo(400);
        assertThat(json(refused).get("error").get("code").asInt()).isEqualTo(-32020);
        assertThat(json(refused).get("id").asInt()).isEqualTo(3);
        assertThat(passed).isEmpty();
    }

    @Test
    void a_version_header_that_differs_from_meta_is_a_header_mismatch() throws Exception {
        path();
        channel.writeInbound(modernPost(modernCall(3, "get_repository", "2026-07-28"), "2025-11-25"));
        FullHttpResponse legacyHeader = answer();
        channel.writeInbound(modernPost(call(4, "get_repository"), "2026-07-28"));
        FullHttpResponse noMeta = answer();
        FullHttpRequest twice = modernPost(modernCall(5, "get_repository", "2026-07-28"), "2026-07-28");
        twice.headers().add("MCP-Protocol-Version", "2025-11-25");
        channel.writeInbound(twice);
        FullHttpResponse repeated = answer();

        for (FullHttpResponse refused : List.of(legacyHeader, repeated)) {
            assertThat(refused.status().code()).isEqualTo(400);
            assertThat(json(refused).get("error").get("code").asInt()).isEqualTo(-32020);
        }
        assertThat(noMeta.status().code()).isEqualTo(400);
        assertThat(json(noMeta).get("error").get("code").asInt())
                .as("a request without its _meta version has invalid params")
                .isEqualTo(-32602);
        assertThat(passed).isEmpty();
    }

    @Test
    void an_unsupported_modern_version_is_refused_with_the_supported_ones() throws Exception {
        path();
        channel.writeInbound(modernPost(modernCall(9, "get_repository", "2027-03-01"), "2027-03-01"));

        FullHttpResponse refused = answer();
        assertThat(refused.status().code()).isEqualTo(400);
        JsonNode error = json(refused).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32022);
        assertThat(error.get("data").get("supported").toString())
                .as("the versions a modern request may name, as server/discover lists them")
                .isEqualTo("[\"2026-07-28\"]");
        assertThat(error.get("data").get("requested").asText()).isEqualTo("2027-03-01");
        assertThat(json(refused).get("id").asInt()).isEqualTo(9);
        assertThat(completed.get(0).ending().code()).isEqualTo(ErrorCode.UNSUPPORTED_PROTOCOL_VERSION);
        assertThat(passed).isEmpty();
    }

    @Test
    void a_modern_batch_or_response_is_an_invalid_request() throws Exception {
        path();
        channel.writeInbound(modernPost(
                "[" + modernCall(1, "get_repository", "2026-07-28") + "," + call(2, "get_repository") + "]",
                "2026-07-28"));
        FullHttpResponse batch = answer();
        channel.writeInbound(modernPost("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", "2026-07-28"));
        FullHttpResponse response = answer();

        for (FullHttpResponse refused : List.of(batch, response)) {
            assertThat(refused.status().code()).isEqualTo(400);
            assertThat(json(refused).get("error").get("code").asInt()).isEqualTo(-32600);
        }
        assertThat(passed).isEmpty();
    }

    @Test
    void get_and_delete_in_the_modern_era_are_405_and_pass_in_the_legacy_one() {
        path();
        for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.DELETE)) {
            FullHttpRequest modern = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/mcp");
            modern.headers().set("Host", "localhost").set("MCP-Protocol-Version", "2026-07-28");
            channel.writeInbound(modern);
            FullHttpResponse refused = answer();
            assertThat(refused.status().code()).isEqualTo(405);
            assertThat(refused.headers().get("Allow")).isEqualTo("POST");
        }
        assertThat(passed).isEmpty();

        FullHttpRequest legacy = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/mcp");
        legacy.headers().set("Host", "localhost").set("MCP-Protocol-Version", "2025-11-25");
        channel.writeInbound(legacy);
        channel.runPendingTasks();
        assertThat(passed).hasSize(1);
    }

    @Test
    void an_allowed_call_passes_with_its_verdict_and_its_quota_taken() {
        path();

        channel.writeInbound(post(call(7, "get_repository")));
        channel.runPendingTasks();

        assertThat(passed).hasSize(1);
        Exchange exchange = passed.get(0);
        assertThat(exchange.verdict().allowed()).isTrue();
        assertThat(exchange.subject()).isEqualTo(ALICE);
        assertThat(new String(exchange.body().canonicalBytes(), StandardCharsets.UTF_8))
                .contains("\"get_repository\"");
        assertThat(exchange.log().verdict()).isSameAs(exchange.verdict());
        assertThat(exchange.log().quota().get(0).remaining()).isZero();
        assertThat(channel.config().isAutoRead())
                .as("reading waits for the answer")
                .isFalse();
        assertThat(completed)
                .as("the exchange is not over before it is answered")
                .isEmpty();
    }

    @Test
    void a_denied_call_is_answered_with_the_policy_reason_and_never_passes() throws Exception {
        path();

        channel.writeInbound(post(call(3, "merge_pull_request")));
        FullHttpResponse denied = answer();

        JsonNode error = json(denied).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32001);
        assertThat(error.get("message").asText()).contains("viewers may not merge");
        assertThat(passed).isEmpty();
        assertThat(completed).hasSize(1);
        assertThat(completed.get(0).ending().refusals()).hasSize(1);
        assertThat(completed.get(0).verdict().allowed()).isFalse();
        assertThat(channel.config().isAutoRead())
                .as("the next request may come")
                .isTrue();
    }

    @Test
    void a_policy_that_cannot_answer_refuses_and_never_allows() throws Exception {
        path();

        channel.writeInbound(post(call(4, "boom")));
        FullHttpResponse refused = answer();

        assertThat(json(refused).get("error").get("code").asInt()).isEqualTo(-32004);
        assertThat(passed).isEmpty();
        assertThat(completed.get(0).ending().refusals().get(0).code()).isEqualTo(ErrorCode.POLICY_UNAVAILABLE);
    }

    @Test
    void a_call_over_its_quota_is_answered_with_when_to_retry() throws Exception {
        path();
        channel.writeInbound(post(call(1, "get_repository")));
        channel.runPendingTasks();
        passed.clear();

        channel.writeInbound(post(call(2, "get_repository")));
        FullHttpResponse over = answer();

        JsonNode error = json(over).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32029);
        assertThat(error.get("data").get("retry_after_ms").asLong()).isPositive();
        assertThat(passed).isEmpty();
        assertThat(Outcome.ofRefusal(completed.get(0).ending().refusals().get(0).code(), null))
                .isEqualTo(Outcome.OVER_QUOTA);
    }

    @Test
    void get_and_delete_carry_no_message_and_pass_without_a_decision() {
        path();
        FullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/mcp");
        FullHttpRequest delete = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.DELETE, "/mcp?x=1");

        channel.writeInbound(get);
        channel.writeInbound(delete);

        assertThat(passed).extracting(Exchange::method).containsExactly(HttpMethod.GET, HttpMethod.DELETE);
        assertThat(passed).allSatisfy(exchange -> {
            assertThat(exchange.body()).isNull();
            assertThat(exchange.verdict()).isNull();
        });
        assertThat(passed.get(1).query()).isEqualTo("x=1");
    }

    @Test
    void a_subject_deciding_all_it_may_at_once_is_answered_busy_until_one_decision_ends() throws Exception {
        CompletableFuture<Decision> pending = new CompletableFuture<>();
        PolicyEngine slow = new PolicyEngine() {
            @Override
            public CompletableFuture<Decision> decide(PolicyInput input) {
                return pending;
            }

            @Override
            public void close() {}
        };
        EmbeddedChannel first = path(slow);
        first.writeInbound(post(call(1, "get_repository")));
        first.runPendingTasks();
        EmbeddedChannel second = path(slow); // the same subject, on another connection

        second.writeInbound(post(call(2, "get_repository")));
        second.runPendingTasks();
        FullHttpResponse busy = second.readOutbound();

        assertThat(busy.status().code()).isEqualTo(429);
        assertThat(busy.headers().get("Retry-After")).isEqualTo("1");
        assertThat(json(busy).get("error").get("code").asInt()).isEqualTo(-32013);
        assertThat(json(busy).get("error").get("message").asText()).contains("policy decisions in progress");
        assertThat(second.config().isAutoRead())
                .as("a busy answer lets the next request come")
                .isTrue();
        assertThat(completed)
                .singleElement()
                .satisfies(log -> assertThat(log.ending().outcome()).isEqualTo(Outcome.OVER_BUDGET));
        busy.release();

        pending.complete(TABLE.decide(inputFor("get_repository")).join());
        first.runPendingTasks();
        assertThat(decisions.held("subject:jwt:alice")).isZero();
        first.finishAndReleaseAll();
    }

    private static PolicyInput inputFor(String tool) throws Exception {
        return new PolicyInput(
                ALICE,
                new JsonRpcDecoder(64, 1 << 20, 32)
                        .decode(call(9, tool).getBytes(StandardCharsets.UTF_8))
                        .messages()
                        .get(0),
                null,
                null,
                null);
    }
}
