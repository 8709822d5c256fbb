package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.mask.ArgumentClassifier;
import io.mcpguard.proxy.mask.ClientText;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.testing.LogCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The decide stage: every message of a body put to the policy with what it needs to know, and whatever the engine
 * answers or fails with turned into one outcome per message. The engine is a table here; the real OPA decides in
 * {@code PolicyContractTest} and the integration tests.
 */
class PolicyGateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject ALICE =
            new Subject("alice", true, "jwt", List.of("viewer"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final TransportFacts FACTS =
            new TransportFacts("127.0.0.1", false, "POST", "/mcp", null, "2025-06-18", 1);
    private static final SensitiveDataScanner SCANNER = SensitiveDataScanner.withDefaults(List.of("internal"));
    private static final ClientText CLEAN = new ClientText(new TextMasker(SCANNER, new byte[32]));

    /** Answers each input with what {@code answer} says, and keeps every input it was asked about. */
    private static final class TableEngine implements PolicyEngine {
        final List<PolicyInput> asked = new CopyOnWriteArrayList<>();
        private final Function<PolicyInput, CompletableFuture<Decision>> answer;

        TableEngine(Function<PolicyInput, CompletableFuture<Decision>> answer) {
            this.answer = answer;
        }

        @Override
        public CompletableFuture<Decision> decide(PolicyInput input) {
            asked.add(input);
            return answer.apply(input);
        }

        @Override
        public void close() {}
    }

    private static Decision decision(boolean allow, String id, String... reasons) {
        return new Decision(allow, List.of(reasons), List.of(), null, null, "normal", 0, null, id, "r1", null);
    }

    private static JsonRpcMessage message(int id, String method, String params) throws Exception {
        ObjectNode node = (ObjectNode) JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method
                + "\"" + (params == null ? "" : ",\"params\":" + params.replace('\'', '"')) + "}");
        return new JsonRpcMessage(
                JsonRpcMessage.Kind.REQUEST, node.get("id"), method, (ObjectNode) node.get("params"), node);
    }

    private static DecodedBody body(JsonRpcMessage... messages) {
        return new DecodedBody(List.of(messages), messages.length > 1, new byte[0]);
    }

    @Test
    void every_message_of_a_batch_is_decided_with_the_subject_and_facts_and_the_verdict_keeps_body_order()
            throws Exception {
        TableEngine engine = new TableEngine(input -> CompletableFuture.completedFuture(decision(
                !input.message().method().equals("tools/call"),
                "d-" + input.message().id())));
        JsonRpcMessage ping = message(1, "ping", null);
        JsonRpcMessage call = message(2, "tools/call", "{'name':'merge','arguments':{}}");

        GateVerdict verdict =
                new PolicyGate(engine).check(body(ping, call), ALICE, FACTS).join();

        assertThat(verdict.outcomes()).extracting(GateVerdict.Outcome::message).containsExactly(ping, call);
        assertThat(verdict.outcomes())
                .extracting(o -> o.decision().decisionId())
                .containsExactly("d-1", "d-2");
        assertThat(verdict.allowed())
                .as("the call hides not behind the allowed ping")
                .isFalse();
        assertThat(engine.asked).allSatisfy(input -> {
            assertThat(input.subject()).isSameAs(ALICE);
            assertThat(input.transport()).isSameAs(FACTS);
            assertThat(input.argumentFindings())
                    .as("no classifier: nothing reported")
                    .isEqualTo(ArgumentFindings.NONE);
        });
    }

    @Test
    void a_tool_call_s_arguments_are_classified_for_the_policy_and_nothing_else_is() throws Exception {
        TableEngine engine = new TableEngine(input -> CompletableFuture.completedFuture(decision(true, "d")));
        PolicyGate gate = new PolicyGate(engine, new DeclaredTools(10), new ArgumentClassifier(SCANNER));

        gate.check(
                        body(
                                message(1, "tools/call", "{'name':'send','arguments':{'to':'alice@example.com'}}"),
                                message(2, "tools/call", "{'name':'send'}"),
                                message(3, "resources/read", "{'uri':'file:///alice@example.com'}"),
                                message(4, "tools/call", "{'arguments':{'to':'bob@example.com'}}")),
                        ALICE,
                        FACTS)
                .join();

        assertThat(engine.asked).hasSize(4);
        PolicyInput withEmail = engine.asked.stream()
                .filter(input -> input.message().id().asInt() == 1)
                .findFirst()
                .orElseThrow();
        assertThat(withEmail.argumentFindings().classes()).contains("personal_data");
        assertThat(engine.asked)
                .filteredOn(input -> input.message().id().asInt() != 1)
                .as("no arguments, not a tool call, or no tool named: nothing to classify")
                .extracting(PolicyInput::argumentFindings)
                .containsOnly(ArgumentFindings.NONE);
    }

    @Test
    void the_answers_a_retry_brings_are_classified_with_the_arguments_of_its_tool_call() throws Exception {
        TableEngine engine = new TableEngine(input -> CompletableFuture.completedFuture(decision(true, "d")));
        PolicyGate gate = new PolicyGate(engine, new DeclaredTools(10), new ArgumentClassifier(SCANNER));

        gate.check(
                        body(
                                message(
                                        1,
                                        "tools/call",
                                        "{'name':'send','arguments':{'to':'alice@example.com'},"
                                                + "'inputResponses':{'k':{'content':{'v':'AKIAIOSFODNN7EXAMPLE'}}}}"),
                                message(2, "tools/call", "{'name':'send','inputResponses':{'k':'bob@example.com'}}"),
                                message(3, "prompts/get", "{'name':'p','inputResponses':{'k':'bob@example.com'}}"),
                                message(4, "tools/call", "{'name':'send','inputResponses':{'k':'nothing here'}}")),
                        ALICE,
                        FACTS)
                .join();

        assertThat(engine.asked)
                .extracting(input -> input.argumentFindings().classes())
                .as("both parts; the answers without arguments; no tool call; answers with nothing in them")
                .containsExactly(List.of("personal_data", "secret"), List.of("personal_data"), List.of(), List.of());
    }

    @Test
    void a_message_beyond_the_input_bound_is_denied_unread_and_never_put_to_the_engine() throws Exception {
        TableEngine engine = new TableEngine(input -> CompletableFuture.completedFuture(decision(true, "d")));
        PolicyGate gate = new PolicyGate(
                engine,
                new DeclaredTools(10),
                new ArgumentClassifier(SCANNER),
                CLEAN,
                new PolicyInputBound(new ProxyConfig.ArgumentBound(1_000, 3, 100)));
        JsonRpcMessage deep = message(1, "tools/call", "{'name':'alice@example.com','arguments':{'a':{'b':{'c':1}}}}");
        JsonRpcMessage within = message(2, "tools/call", "{'name':'read','arguments':{'a':1}}");

        GateVerdict verdict;
        try (LogCapture logs = new LogCapture(PolicyGate.class.getName())) {
            verdict = gate.check(body(deep, within), ALICE, FACTS).join();

            assertThat(logs.lines()).singleElement().satisfies(line -> {
                assertThat(line.level()).isEqualTo("INFO");
                assertThat(line.text())
                        .startsWith("denied before the policy: input beyond its bound")
                        .contains("reason=parameters nest deeper than 3 levels")
                        .as("the client's tool name is cleaned before the log keeps it")
                        .doesNotContain("alice@example.com");
            });
        }
        assertThat(engine.asked).extracting(PolicyInput::message).containsExactly(within);
        GateVerdict.Outcome denied = verdict.outcomes().get(0);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.failure()).isNull();
        assertThat(denied.decision().reasons())
                .containsExactly("Denied before the policy read it: parameters nest deeper than 3 levels"
                        + " (limits.max-argument-*)");
        assertThat(verdict.outcomes().get(1).allowed()).isTrue();
    }

    @Test
    void an_engine_that_cannot_decide_denies_with_its_own_reason_and_any_other_failure_is_named_unavailable()
            throws Exception {
        PolicyUnavailableException opaDown = new PolicyUnavailableException("OPA did not answer in 250 ms");
        IllegalStateException bug = new IllegalStateException("bug in the engine");
        TableEngine engine =
                new TableEngine(input -> switch (input.message().id().asInt()) {
                    case 1 -> CompletableFuture.failedFuture(opaDown);
                    // Failed in a dependent stage: the failure arrives wrapped in a CompletionException.
                    case 2 ->
                        CompletableFuture.completedFuture(1).thenApply(x -> {
                            throw bug;
                        });
                    default -> CompletableFuture.failedFuture(bug);
                });
        List<GateVerdict.Outcome> outcomes;
        List<LogCapture.Line> lines;
        try (LogCapture logs = new LogCapture(PolicyGate.class.getName())) {
            outcomes = new PolicyGate(engine)
                    .check(
                            body(message(1, "tools/list", null), message(2, "ping", null), message(3, "ping", null)),
                            ALICE,
                            FACTS)
                    .join()
                    .outcomes();
            lines = logs.lines();
        }

        assertThat(outcomes).allSatisfy(o -> {
            assertThat(o.allowed()).isFalse();
            assertThat(o.decision()).isNull();
        });
        assertThat(outcomes.get(0).failure())
                .as("the engine's own reason, as it gave it")
                .isSameAs(opaDown);
        for (GateVerdict.Outcome wrapped : List.of(outcomes.get(1), outcomes.get(2))) {
            assertThat(wrapped.failure())
                    .hasMessage("policy engine failed")
                    .cause()
                    .as("the bug itself, never its CompletionException wrapper")
                    .isSameAs(bug);
        }
        assertThat(lines)
                .extracting(LogCapture.Line::level, LogCapture.Line::text)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "WARN",
                                "no policy decision; denying mcp.method=tools/list gen_ai.tool.name=null"
                                        + " reason=OPA did not answer in 250 ms"),
                        org.assertj.core.groups.Tuple.tuple(
                                "WARN",
                                "no policy decision; denying mcp.method=ping gen_ai.tool.name=null"
                                        + " reason=policy engine failed"),
                        org.assertj.core.groups.Tuple.tuple(
                                "WARN",
                                "no policy decision; denying mcp.method=ping gen_ai.tool.name=null"
                                        + " reason=policy engine failed"));
    }

    @Test
    void a_denial_is_logged_with_its_decision_and_reasons_cleaned_of_what_the_client_put_in_them() throws Exception {
        TableEngine engine = new TableEngine(input ->
                CompletableFuture.completedFuture(decision(false, "d-9", "tool alice@example.com is not yours")));
        JsonRpcMessage call = message(9, "tools/call", "{'name':'alice@example.com','arguments':{}}");
        List<String> cleaned = new ArrayList<>();
        List<String> raw = new ArrayList<>();

        try (LogCapture logs = new LogCapture(PolicyGate.class.getName())) {
            new PolicyGate(engine, new DeclaredTools(10), null, CLEAN)
                    .check(body(call), ALICE, FACTS)
                    .join();
            logs.lines().forEach(line -> cleaned.add(line.level() + " " + line.text()));
        }
        try (LogCapture logs = new LogCapture(PolicyGate.class.getName())) {
            new PolicyGate(engine).check(body(call), ALICE, FACTS).join();
            logs.lines().forEach(line -> raw.add(line.level() + " " + line.text()));
        }

        assertThat(cleaned)
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .startsWith("INFO denied by policy")
                        .contains("decision_id=d-9", "policy_revision=r1")
                        .doesNotContain("alice@example.com"));
        assertThat(raw)
                .as("without a cleaner the names are kept as sent (tests only)")
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains("gen_ai.tool.name=alice@example.com")
                        .contains("reasons=[tool alice@example.com is not yours]"));
    }
}
