package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.RawMcp;
import io.mcpguard.proxy.testing.RecordingUpstream;
import io.mcpguard.proxy.testing.Tools;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * When a part the proxy depends on fails, the proxy answers a distinct, helpful JSON-RPC error and forwards
 * nothing it could not check.
 *
 * <p>Not on {@link io.mcpguard.proxy.testing.ProxyStack}: each test builds its own proxy in front of a part that is
 * missing or misbehaving (no OPA rule, a broken policy, no upstream, a slow upstream), so the proxy's construction
 * is part of what each test sets up; only OPA and the upstream are shared.
 */
class FailClosedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GET_REPOSITORY = """
            {"jsonrpc":"2.0","id":41,"method":"tools/call",\
            "params":{"name":"get_repository","arguments":{"workspace":"acme","repo":"api"}}}""";

    private static OpaProcess opa;
    private static RecordingUpstream upstream;

    @BeforeAll
    static void startParts() {
        opa = OpaProcess.startWithRepoPolicies();
        upstream = new RecordingUpstream();
    }

    @AfterAll
    static void stopParts() {
        if (upstream != null) upstream.close();
        if (opa != null) opa.close();
    }

    @Test
    void an_opa_slower_than_the_timeout_denies_with_the_unavailable_error() throws Exception {
        try (ProxyHarness proxy = new ProxyHarness(upstream.url(), opa.url())) {
            upstream.clear();
            opa.freeze();
            try {
                HttpResponse<String> answer = post(proxy, GET_REPOSITORY);

                JsonNode body = JSON.readTree(answer.body());
                assertThat(body.path("id").asInt()).isEqualTo(41);
                assertThat(body.path("error").path("code").asInt()).isEqualTo(-32004);
                assertThat(body.path("error").path("message").asText()).contains("did not answer within 2000ms");
                assertThat(upstream.received()).isEmpty();
            } finally {
                opa.thaw();
            }
        }
    }

    @Test
    void an_undefined_decision_denies_with_the_unavailable_error() throws Exception {
        try (ProxyHarness proxy =
                new ProxyHarness(upstream.url(), opa.url(), Map.of("opa.decision-path", "mcp/authz/no_such_rule"))) {
            upstream.clear();

            HttpResponse<String> answer = post(proxy, GET_REPOSITORY);

            JsonNode error = JSON.readTree(answer.body()).path("error");
            assertThat(error.path("code").asInt()).isEqualTo(-32004);
            assertThat(error.path("message").asText()).contains("undefined");
            assertThat(upstream.received()).isEmpty();
        }
    }

    @Test
    void an_opa_error_and_a_result_that_is_not_a_decision_both_deny() throws Exception {
        try (OpaProcess misbehaving =
                new OpaProcess(Tools.repo().resolve("proxy/src/test/resources/policies-broken"))) {
            misbehaving.start();
            for (Map.Entry<String, String> rule : Map.of(
                            "broken/conflict", "policy engine answered HTTP 500",
                            "broken/not_a_decision", "policy decision has no boolean \"allow\"")
                    .entrySet()) {
                try (ProxyHarness proxy = new ProxyHarness(
                        upstream.url(), misbehaving.url(), Map.of("opa.decision-path", rule.getKey()))) {
                    upstream.clear();

                    JsonNode error =
                            JSON.readTree(post(proxy, GET_REPOSITORY).body()).path("error");

                    assertThat(error.path("code").asInt()).as(rule.getKey()).isEqualTo(-32004);
                    assertThat(error.path("message").asText()).as(rule.getKey()).contains(rule.getValue());
                    assertThat(upstream.received()).isEmpty();
                }
            }
        }
    }

    @Test
    void an_unreachable_upstream_is_reported_as_such() throws Exception {
        String nowhere = "http://127.0.0.1:" + Tools.freePort() + "/mcp";
        try (ProxyHarness proxy = new ProxyHarness(nowhere, opa.url())) {
            HttpResponse<String> answer = post(proxy, GET_REPOSITORY);

            JsonNode body = JSON.readTree(answer.body());
            assertThat(body.path("id").asInt()).isEqualTo(41);
            assertThat(body.path("error").path("code").asInt()).isEqualTo(-32005);
            assertThat(body.path("error").path("message").asText()).isEqualTo("MCP server is unreachable");
        }
    }

    @Test
    void an_upstream_that_does_not_start_answering_in_time_is_a_timeout() throws Exception {
        upstream.resetStreamGate();
        // Long enough for the initialize before it to be answered on a loaded machine (it failed at 500ms there).
        try (ProxyHarness proxy =
                new ProxyHarness(upstream.url(), opa.url(), Map.of("upstream.response-timeout", "2s"))) {
            String session = initialize(proxy);
            HttpResponse<String> answer = send(proxy, session, """
                    {"jsonrpc":"2.0","id":42,"method":"tools/call",\
                    "params":{"name":"list_commits","arguments":{"workspace":"acme","repo":"api"}}}""");

            JsonNode body = JSON.readTree(answer.body());
            assertThat(body.path("id").asInt()).isEqualTo(42);
            assertThat(body.path("error").path("code").asInt()).isEqualTo(-32006);
        } finally {
            upstream.releaseStream();
        }
    }

    private static String initialize(ProxyHarness proxy) throws Exception {
        return RawMcp.initialize(proxy.mcpUrl());
    }

    private static HttpResponse<String> post(ProxyHarness proxy, String body) throws Exception {
        return RawMcp.post(proxy.mcpUrl(), body);
    }

    private static HttpResponse<String> send(ProxyHarness proxy, String session, String body) throws Exception {
        return RawMcp.post(proxy.mcpUrl(), session, body);
    }
}
