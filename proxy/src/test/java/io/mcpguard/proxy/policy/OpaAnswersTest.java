package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.testing.LogCapture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link OpaPolicyEngine} against answers a real OPA gives only when something is wrong — an error status, a broken
 * body, an undefined rule, provenance in each of its shapes, silence — from an HTTP server on loopback standing in for
 * OPA (the engine, not OPA, is under test; {@code PolicyDecisionsTest} and {@code DecisionCacheTest} run it against
 * the real one). Every failure must fail the future with {@link PolicyUnavailableException}: the caller denies.
 */
class OpaAnswersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DECISION = "{\"allow\":true,\"reasons\":[\"ok\"]}";

    private static HttpServer server;
    private static EventLoopGroup loops;
    private static volatile Function<HttpExchange, Answer> script;
    private static final List<String> requests = new CopyOnWriteArrayList<>();
    private static final CountDownLatch never = new CountDownLatch(1);

    private record Answer(int status, String body) {}

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " host="
                    + exchange.getRequestHeaders().getFirst("Host") + " type="
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " body="
                    + new String(body, StandardCharsets.UTF_8));
            Answer answer = script.apply(exchange);
            if (answer == null) { // silence: hold the request until the server stops
                try {
                    never.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
                return;
            }
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        never.countDown();
        if (server != null) server.stop(0);
        if (loops != null) loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void forget() {
        requests.clear();
    }

    private static OpaPolicyEngine engine(String url, Duration timeout) {
        return new OpaPolicyEngine(
                new ProxyConfig.Opa(URI.create(url), "mcp/authz/decision", timeout, 2, 8), loops, JSON);
    }

    private static OpaPolicyEngine engine() {
        return engine("http://127.0.0.1:" + server.getAddress().getPort(), Duration.ofSeconds(5));
    }

    private static PolicyInput input() throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"t\"}}";
        JsonRpcMessage message = new JsonRpcDecoder(64, 1 << 20, 32)
                .decode(body.getBytes(StandardCharsets.UTF_8))
                .messages()
                .get(0);
        Subject alice = new Subject(
                "alice", true, "jwt", List.of("viewer"), List.of(), "acme", List.of("pwd"), null, null, null);
        return new PolicyInput(alice, message, new TransportFacts("127.0.0.1", false, "POST", "/mcp", null, null, 1));
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS); // a bound against hanging, not a speed claim
    }

    private static void answers(int status, String body) {
        script = exchange -> new Answer(status, body);
    }

    /** The failure's message, after asserting it is the one that denies. */
    private static String refusal(CompletableFuture<?> future) {
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> await(future));
        assertThat(failure)
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(PolicyUnavailableException.class);
        return failure.getCause().getMessage();
    }

    @Test
    void a_decision_is_posted_under_the_url_s_path_and_carries_opa_s_decision_id_and_bundle_revision()
            throws Exception {
        answers(
                200,
                "{\"result\":" + DECISION + ",\"decision_id\":\"opa-7\",\"provenance\":{\"revision\":\"top\","
                        + "\"bundles\":{\"authz\":{\"revision\":\"bundle-3\"}}}}");
        int port = server.getAddress().getPort();
        try (OpaPolicyEngine engine = engine("http://127.0.0.1:" + port + "/opa//", Duration.ofSeconds(5))) {
            Decision decision = await(engine.decide(input()));

            assertThat(decision.allow()).isTrue();
            assertThat(decision.reasons()).containsExactly("ok");
            assertThat(decision.decisionId()).isEqualTo("opa-7");
            assertThat(decision.revision())
                    .as("the bundle's revision before the top-level one")
                    .isEqualTo("bundle-3");
        }
        assertThat(requests)
                .singleElement()
                .satisfies(request -> assertThat(request)
                        .startsWith("POST /opa/v1/data/mcp/authz/decision?provenance=true host=127.0.0.1:" + port
                                + " type=application/json body={\"input\":{")
                        .contains("\"subject\""));
    }

    @Test
    void provenance_gives_the_first_bundle_with_a_text_revision_else_the_top_level_one_else_none() throws Exception {
        try (OpaPolicyEngine engine = engine()) {
            answers(
                    200,
                    "{\"result\":" + DECISION + ",\"provenance\":{\"revision\":\"top\","
                            + "\"bundles\":{\"a\":{\"revision\":5},\"b\":{},\"c\":{\"revision\":\"c-1\"}}}}");
            assertThat(await(engine.decide(input())).revision()).isEqualTo("c-1");

            answers(200, "{\"result\":" + DECISION + ",\"provenance\":{\"revision\":\"top\",\"bundles\":{\"a\":{}}}}");
            assertThat(await(engine.decide(input())).revision()).isEqualTo("top");

            answers(200, "{\"result\":" + DECISION + ",\"provenance\":{\"revision\":\"top\",\"bundles\":[\"a\"]}}");
            assertThat(await(engine.decide(input())).revision()).isEqualTo("top");

            answers(200, "{\"result\":" + DECISION + ",\"provenance\":{\"revision\":3}}");
            assertThat(await(engine.decide(input())).revision()).isNull();

            answers(200, "{\"result\":" + DECISION + ",\"decision_id\":17}");
            Decision bare = await(engine.decide(input()));
            assertThat(bare.revision()).isNull();
            assertThat(bare.decisionId()).as("not text: the proxy assigns one").startsWith("mcpguard-");
        }
    }

    @Test
    void an_error_status_a_broken_body_or_an_undefined_rule_is_no_decision() throws Exception {
        try (OpaPolicyEngine engine = engine();
                LogCapture logs = new LogCapture(OpaPolicyEngine.class.getName())) {
            answers(500, "{\"code\":\"internal_error\"}");
            assertThat(refusal(engine.decide(input()))).isEqualTo("policy engine answered HTTP 500");

            answers(200, "{\"result\": ");
            assertThat(refusal(engine.decide(input()))).isEqualTo("policy engine answered malformed JSON");

            answers(200, "{\"provenance\":{}}");
            assertThat(refusal(engine.decide(input())))
                    .isEqualTo("policy decision is undefined (is the policy loaded?)");

            answers(200, "{\"result\":{\"allow\":\"yes\"}}");
            assertThat(refusal(engine.decide(input()))).isNotBlank();

            assertThat(logs.lines())
                    .filteredOn(line -> line.text().startsWith("OPA answered no usable decision"))
                    .hasSize(4)
                    .first()
                    .satisfies(line -> assertThat(line.text()).contains("reason=policy engine answered HTTP 500"));
        }
    }

    @Test
    void the_current_revision_and_the_loaded_check_read_the_rule_without_input() throws Exception {
        try (OpaPolicyEngine engine = engine()) {
            answers(200, "{\"result\":{\"allow\":false},\"provenance\":{\"bundles\":{\"b\":{\"revision\":\"r-9\"}}}}");
            assertThat(await(engine.currentRevision())).isEqualTo("r-9");
            assertThat(await(engine.policyLoaded())).isNull();
            assertThat(requests)
                    .allSatisfy(request -> assertThat(request)
                            .startsWith("GET /v1/data/mcp/authz/decision?provenance=true")
                            .contains("type=null")
                            .endsWith("body="));

            answers(200, "{\"result\":{\"allow\":false}}");
            assertThat(await(engine.currentRevision())).as("no provenance").isNull();

            answers(200, "{}");
            assertThat(refusal(engine.policyLoaded())).isEqualTo("policy engine has no decision rule loaded");
            answers(200, "");
            assertThat(refusal(engine.policyLoaded())).isEqualTo("policy engine has no decision rule loaded");

            answers(503, "{}");
            assertThat(refusal(engine.currentRevision())).isEqualTo("policy engine answered HTTP 503");
            assertThat(refusal(engine.policyLoaded())).isEqualTo("policy engine answered HTTP 503");

            answers(200, "{\"result\"");
            assertThat(refusal(engine.currentRevision())).isEqualTo("policy engine answered malformed JSON");
            assertThat(refusal(engine.policyLoaded())).isEqualTo("policy engine answered malformed JSON");
        }
    }

    @Test
    void silence_past_the_timeout_is_no_decision_and_the_connection_is_not_reused() throws Exception {
        try (OpaPolicyEngine engine =
                engine("http://127.0.0.1:" + server.getAddress().getPort(), Duration.ofMillis(300))) {
            script = exchange -> exchange.getRequestURI().getQuery().contains("provenance") && requests.size() == 1
                    ? null
                    : new Answer(200, "{\"result\":" + DECISION + "}");
            assertThat(refusal(engine.decide(input()))).isEqualTo("policy engine did not answer within 300ms");

            // The held connection was closed; the next decision gets a fresh one and its own answer.
            assertThat(await(engine.decide(input())).allow()).isTrue();
        }
    }

    @Test
    void an_opa_that_is_not_listening_is_unreachable() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        try (OpaPolicyEngine engine = engine("http://127.0.0.1:" + port, Duration.ofSeconds(2));
                LogCapture logs = new LogCapture(OpaPolicyEngine.class.getName())) {
            assertThat(refusal(engine.decide(input()))).isEqualTo("policy engine is unreachable");
            assertThat(logs.lines())
                    .anySatisfy(line -> assertThat(line.text()).contains("cannot get a connection to OPA"));
        }
    }
}
