package io.mcpguard.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.auth.Authenticator;
import io.mcpguard.proxy.auth.Identity;
import io.mcpguard.proxy.budget.Budget;
import io.mcpguard.proxy.budget.BudgetRefusals;
import io.mcpguard.proxy.budget.ConcurrencyBudget;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.http.Readiness;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.PolicyEngine;
import io.mcpguard.proxy.policy.PolicyGate;
import io.mcpguard.proxy.policy.PolicyInput;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.quota.QuotaGate;
import io.mcpguard.proxy.quota.QuotaOutcome;
import io.mcpguard.proxy.quota.QuotaStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The refusals of the scope, decide and quota stages on an embedded channel: a credential missing a scope gets 403
 * with a challenge naming what is needed, a denial a second factor would lift gets the step-up challenge, a client
 * gone before its decision or quota arrives is recorded as abandoned and never forwarded, and a quota that cannot be
 * checked refuses. Each answer is written to the exchange log the trail reads.
 */
class MessagePathRefusalsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject ALICE =
            new Subject("alice", true, "jwt", List.of("viewer"), List.of(), "acme", List.of("pwd"), null, null, null);
    /** Where the authentication stage leaves the verified identity of the request in flight. */
    private static final AttributeKey<Identity> IDENTITY = AttributeKey.valueOf("mcpguard.identity");

    private final List<ExchangeLog> completed = new ArrayList<>();
    private final List<Exchange> passed = new ArrayList<>();
    private final List<Authenticator> authenticators = new ArrayList<>();
    private EmbeddedChannel channel;

    /** Allows get_repository (quota alice:read), asks for a second factor for merge, denies the rest. */
    private static final PolicyEngine TABLE = new PolicyEngine() {
        @Override
        public CompletableFuture<Decision> decide(PolicyInput input) {
            String tool = input.message().toolName();
            boolean allow = "get_repository".equals(tool) || tool == null;
            Decision.StepUp stepUp =
                    "merge_pull_request".equals(tool) ? new Decision.StepUp(List.of("otp"), 300) : null;
            Decision.QuotaSpec quota = allow ? new Decision.QuotaSpec("alice:read", 5, 60_000, 1) : null;
            return CompletableFuture.completedFuture(new Decision(
                    allow,
                    allow ? List.of() : List.of("a second factor is needed"),
                    List.of(),
                    quota,
                    stepUp,
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

    private Authenticator authenticator(ProxyConfig.Auth.Mode mode) {
        Authenticator authenticator = new Authenticator(new ProxyConfig.Auth(
                mode,
                URI.create("https://proxy.example/mcp"),
                null,
                null,
                List.of("RS256"),
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                List.of(),
                Map.of("tools/call", List.of("repo:read")),
                Map.of("merge_pull_request", List.of("repo:write")),
                "mfa",
                new ProxyConfig.Auth.Claims("roles", "groups", "tenant"),
                null,
                Duration.ofSeconds(30),
                Duration.ofMinutes(30),
                100,
                10));
        authenticators.add(authenticator);
        return authenticator;
    }

    private EmbeddedChannel path(Authenticator authenticator, PolicyEngine engine, QuotaStore quotas) {
        HttpAnswers answers = new HttpAnswers(JSON);
        Replies replies = new Replies(answers);
        channel = new EmbeddedChannel(
                new ExchangeLogStage(completed::add),
                new McpRouter("/mcp", answers, new Readiness(List.of())),
                new McpDecoder(
                        new JsonRpcDecoder(64, 1 << 20, 32),
                        (ctx, request) -> ALICE,
                        replies,
                        new io.mcpguard.proxy.policy.DeclaredTools(10),
                        null),
                new ScopeCheck(authenticator, replies),
                new PolicyCheck(
                        new PolicyGate(engine),
                        new ConcurrencyBudget(
                                Budget.DECISIONS,
                                4,
                                new BudgetRefusals(OpenTelemetry.noop().getMeter("test"))),
                        authenticator,
                        replies),
                new QuotaCheck(new QuotaGate(quotas), replies),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        passed.add((Exchange) msg);
                    }
                });
        return channel;
    }

    /** A quota store that grants everything. */
    private static final QuotaStore PLENTY =
            spec -> CompletableFuture.completedFuture(new QuotaOutcome(true, spec.limit() - spec.cost(), 0));

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        authenticators.forEach(Authenticator::close);
    }

    private void grant(String... scopes) {
        channel.attr(IDENTITY).set(new Identity(ALICE, Set.of(scopes)));
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
    void a_message_needing_a_scope_the_credential_lacks_is_refused_403_with_a_challenge_naming_it() throws Exception {
        path(authenticator(ProxyConfig.Auth.Mode.REQUIRED), TABLE, PLENTY);
        grant("repo:read");

        channel.writeInbound(post(call(3, "get_repository")));
        channel.runPendingTasks();
        assertThat(passed).as("a scope it holds: on to the policy").hasSize(1);
        channel.config().setAutoRead(true);

        channel.writeInbound(post(call(4, "merge_pull_request")));
        FullHttpResponse refused = answer();

        assertThat(refused.status().code()).isEqualTo(403);
        assertThat(refused.headers().get("WWW-Authenticate"))
                .contains("error=\"insufficient_scope\"", "scope=\"repo:read repo:write\"");
        JsonNode body = json(refused);
        assertThat(body.at("/error/code").asInt()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE.code());
        assertThat(body.at("/error/message").asText()).contains("repo:read repo:write");
        assertThat(body.get("id").asInt()).isEqualTo(4);
        assertThat(passed).hasSize(1);
        ExchangeLog log = completed.get(0);
        assertThat(log.ending().outcome()).isEqualTo(Outcome.INSUFFICIENT_SCOPE);
        assertThat(log.ending().httpStatus()).isEqualTo(403);
        assertThat(log.ending().code()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE);
        assertThat(log.scopesNeeded()).containsExactlyInAnyOrder("repo:read", "repo:write");
        assertThat(log.verdict()).as("refused before the policy was asked").isNull();
        assertThat(channel.config().isAutoRead())
                .as("the next request may come")
                .isTrue();
    }

    @Test
    void a_batch_refused_for_a_scope_is_answered_without_an_id() throws Exception {
        path(authenticator(ProxyConfig.Auth.Mode.REQUIRED), TABLE, PLENTY);
        grant("repo:read");

        channel.writeInbound(post("[" + call(1, "get_repository") + "," + call(2, "merge_pull_request") + "]"));
        FullHttpResponse refused = answer();

        assertThat(refused.status().code()).isEqualTo(403);
        assertThat(json(refused).get("id").isNull()).isTrue();
        assertThat(passed).isEmpty();
    }

    @Test
    void without_authentication_or_without_a_message_no_scope_is_checked() {
        path(authenticator(ProxyConfig.Auth.Mode.NONE), TABLE, PLENTY);
        channel.writeInbound(post(call(1, "get_repository")));
        channel.runPendingTasks();
        assertThat(passed).hasSize(1);

        path(authenticator(ProxyConfig.Auth.Mode.REQUIRED), TABLE, PLENTY);
        grant();
        channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/mcp"));
        channel.runPendingTasks();
        assertThat(passed).hasSize(2);
        assertThat(passed.get(1).method()).isEqualTo(HttpMethod.GET);
    }

    @Test
    void a_denial_a_second_factor_would_lift_is_answered_with_the_step_up_challenge() throws Exception {
        path(authenticator(ProxyConfig.Auth.Mode.REQUIRED), TABLE, PLENTY);
        grant("repo:read", "repo:write");

        channel.writeInbound(post(call(5, "merge_pull_request")));
        FullHttpResponse refused = answer();

        assertThat(refused.status().code()).isEqualTo(403);
        assertThat(refused.headers().get("WWW-Authenticate"))
                .contains("scope=\"mfa repo:read repo:write\"", "multi-factor authentication required");
        assertThat(json(refused).get("id").asInt()).isEqualTo(5);
        assertThat(passed).isEmpty();
        ExchangeLog log = completed.get(0);
        assertThat(log.ending().refusals()).hasSize(1);
        assertThat(Outcome.ofRefusal(
                        log.ending().refusals().get(0).code(),
                        log.verdict().outcomes().get(0).decision()))
                .isEqualTo(Outcome.STEP_UP);
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void a_plain_denial_is_answered_without_a_challenge() throws Exception {
        path(authenticator(ProxyConfig.Auth.Mode.REQUIRED), TABLE, PLENTY);
        grant("repo:read");

        channel.writeInbound(post(call(6, "delete_repository")));
        FullHttpResponse refused = answer();

        assertThat(refused.headers().contains("WWW-Authenticate")).isFalse();
        assertThat(json(refused).at("/error/code").asInt()).isEqualTo(ErrorCode.POLICY_DENIED.code());
        assertThat(completed.get(0).ending().refusals()).hasSize(1);
    }

    @Test
    void a_client_gone_before_its_decision_arrives_is_abandoned_and_nothing_is_forwarded() {
        CompletableFuture<Decision> pending = new CompletableFuture<>();
        PolicyEngine slow = new PolicyEngine() {
            @Override
            public CompletableFuture<Decision> decide(PolicyInput input) {
                return pending;
            }

            @Override
            public void close() {}
        };
        path(authenticator(ProxyConfig.Auth.Mode.NONE), slow, PLENTY);
        channel.writeInbound(post(call(1, "get_repository")));
        channel.runPendingTasks();

        channel.close();
        pending.complete(new Decision(true, List.of(), List.of(), null, null, null, 0, null, "d-2", "rev-1", null));
        channel.runPendingTasks();

        assertThat(passed).isEmpty();
        assertThat(completed).singleElement().satisfies(log -> {
            assertThat(log.ending().outcome()).isEqualTo(Outcome.ABANDONED);
            assertThat(log.verdict()).as("the decision is still recorded").isNotNull();
        });
    }

    @Test
    void a_client_gone_before_its_quota_is_taken_is_abandoned_with_what_was_taken_recorded() {
        CompletableFuture<QuotaOutcome> pending = new CompletableFuture<>();
        path(authenticator(ProxyConfig.Auth.Mode.NONE), TABLE, spec -> pending);
        channel.writeInbound(post(call(1, "get_repository")));
        channel.runPendingTasks();

        channel.close();
        pending.complete(new QuotaOutcome(true, 4, 0));
        channel.runPendingTasks();

        assertThat(passed).isEmpty();
        assertThat(completed).singleElement().satisfies(log -> {
            assertThat(log.ending().outcome()).isEqualTo(Outcome.ABANDONED);
            assertThat(log.quota())
                    .singleElement()
                    .satisfies(taken -> assertThat(taken.remaining()).isEqualTo(4));
        });
    }

    @Test
    void a_quota_that_cannot_be_checked_refuses_and_nothing_is_forwarded() throws Exception {
        path(
                authenticator(ProxyConfig.Auth.Mode.NONE),
                TABLE,
                spec -> CompletableFuture.failedFuture(new IllegalStateException("store broke")));

        channel.writeInbound(post(call(8, "get_repository")));
        FullHttpResponse refused = answer();

        assertThat(json(refused).at("/error/code").asInt()).isEqualTo(ErrorCode.POLICY_UNAVAILABLE.code());
        assertThat(json(refused).get("id").asInt()).isEqualTo(8);
        assertThat(passed).isEmpty();
        ExchangeLog log = completed.get(0);
        assertThat(log.ending().refusals()).extracting(r -> r.code()).containsExactly(ErrorCode.POLICY_UNAVAILABLE);
        assertThat(log.quota()).as("nothing was taken").containsOnlyNulls();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void a_refused_batch_is_answered_with_one_error_per_message() throws Exception {
        path(authenticator(ProxyConfig.Auth.Mode.NONE), TABLE, PLENTY);

        channel.writeInbound(post("[" + call(1, "get_repository") + "," + call(2, "delete_repository") + "]"));
        FullHttpResponse refused = answer();

        JsonNode body = json(refused);
        assertThat(body.isArray()).isTrue();
        assertThat(body.findValues("code"))
                .extracting(JsonNode::asInt)
                .containsExactly(ErrorCode.BATCH_NOT_FORWARDED.code(), ErrorCode.POLICY_DENIED.code());
        assertThat(passed).isEmpty();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void a_policy_engine_that_answers_nothing_is_a_failed_check_refused_and_the_connection_closed() throws Exception {
        PolicyEngine broken = new PolicyEngine() {
            @Override
            public CompletableFuture<Decision> decide(PolicyInput input) {
                return CompletableFuture.completedFuture(null); // a bug: neither a decision nor a failure
            }

            @Override
            public void close() {}
        };
        path(authenticator(ProxyConfig.Auth.Mode.NONE), broken, PLENTY);

        channel.writeInbound(post(call(1, "get_repository")));
        FullHttpResponse refused = answer();

        assertThat(refused.status().code()).isEqualTo(503);
        assertThat(json(refused).at("/error/code").asInt()).isEqualTo(ErrorCode.POLICY_UNAVAILABLE.code());
        assertThat(json(refused).at("/error/message").asText()).contains("policy check failed");
        assertThat(channel.isOpen()).as("fail closed: the connection is closed").isFalse();
        assertThat(passed).isEmpty();
        assertThat(completed).singleElement().satisfies(log -> {
            assertThat(log.ending().outcome()).isEqualTo(Outcome.UNAVAILABLE);
            assertThat(log.ending().httpStatus()).isEqualTo(503);
            assertThat(log.ending().code()).isEqualTo(ErrorCode.POLICY_UNAVAILABLE);
            assertThat(log.ending().reason()).isEqualTo("policy check failed");
        });
    }
}
