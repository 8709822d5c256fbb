package io.mcpguard.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.forward.AnswerPlan;
import io.mcpguard.proxy.forward.ListKind;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.ListPatterns;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the forward stage tells the answer path to do with the answer of an allowed body ({@link
 * ForwardStage#plan}): which lists to cut to what, which answers to mask with which classes, and which ids the
 * exchange decided — an answer to any other id is then masked with every class. Where a decision names nothing for a
 * list, the plan shows nothing of it (fail closed).
 */
class AnswerPlanOfVerdictTest {
    private static final JsonRpcDecoder DECODER = new JsonRpcDecoder(64, 1 << 20, 32);

    private static JsonRpcMessage message(String json) throws Exception {
        return DECODER.decode(json.getBytes(StandardCharsets.UTF_8)).messages().get(0);
    }

    private static JsonRpcMessage request(Object id, String method) throws Exception {
        String idText = id instanceof String text ? "\"" + text + "\"" : String.valueOf(id);
        return message("{\"jsonrpc\":\"2.0\",\"id\":" + idText + ",\"method\":\"" + method
                + "\",\"params\":{\"name\":\"t\"}}");
    }

    private static Decision allow(List<String> mask, Set<String> tools, ListPatterns prompts, ListPatterns resources) {
        return new Decision(
                true, List.of(), mask, null, null, null, 0, tools, null, null, null, null, prompts, resources);
    }

    private static GateVerdict.Outcome outcome(JsonRpcMessage message, Decision decision) {
        return new GateVerdict.Outcome(message, decision, null);
    }

    @Test
    void a_tools_list_is_cut_to_the_decision_s_tools_and_one_without_tools_is_left_uncut() throws Exception {
        AnswerPlan plan = ForwardStage.plan(
                new GateVerdict(List.of(
                        outcome(request(1, "tools/list"), allow(List.of(), Set.of("get_repository"), null, null)),
                        outcome(request(2, "tools/list"), allow(List.of(), null, null, null)))),
                "acme");

        assertThat(plan.visibleTools()).containsOnlyKeys("1");
        assertThat(plan.visibleTools().get("1")).containsExactly("get_repository");
        assertThat(plan.decided()).containsExactlyInAnyOrder("1", "2");
        assertThat(plan.tenant()).isEqualTo("acme");
        assertThat(plan.masks()).isEmpty();
        assertThat(plan.itemLists()).isEmpty();
    }

    @Test
    void a_discovery_whose_decision_names_no_tools_shows_none() throws Exception {
        AnswerPlan plan = ForwardStage.plan(
                new GateVerdict(List.of(
                        outcome(request("d", "server/discover"), allow(List.of(), null, null, null)),
                        outcome(request(3, "server/discover"), allow(List.of(), Set.of("merge"), null, null)))),
                null);

        assertThat(plan.visibleTools().get("\"d\"")).as("fail closed: no tools").isEmpty();
        assertThat(plan.visibleTools().get("3")).containsExactly("merge");
    }

    @Test
    void prompt_and_resource_lists_are_cut_by_their_own_patterns_and_by_none_when_the_decision_names_none()
            throws Exception {
        ListPatterns prompts = new ListPatterns(List.of("review-*"));
        ListPatterns resources = new ListPatterns(List.of("repo://acme/*"));
        AnswerPlan plan = ForwardStage.plan(
                new GateVerdict(List.of(
                        outcome(request(1, "prompts/list"), allow(List.of(), null, prompts, resources)),
                        outcome(request(2, "resources/list"), allow(List.of(), null, prompts, resources)),
                        outcome(request(3, "resources/templates/list"), allow(List.of(), null, prompts, resources)),
                        outcome(request(4, "prompts/list"), allow(List.of(), null, null, resources)),
                        outcome(request(5, "resources/list"), allow(List.of(), null, prompts, null)))),
                "acme");

        assertThat(plan.itemLists())
                .containsEntry("1", new AnswerPlan.ListCut(ListKind.PROMPTS, prompts))
                .containsEntry("2", new AnswerPlan.ListCut(ListKind.RESOURCES, resources))
                .containsEntry("3", new AnswerPlan.ListCut(ListKind.RESOURCE_TEMPLATES, resources))
                .containsEntry("4", new AnswerPlan.ListCut(ListKind.PROMPTS, ListPatterns.NONE))
                .containsEntry("5", new AnswerPlan.ListCut(ListKind.RESOURCES, ListPatterns.NONE))
                .hasSize(5);
        assertThat(plan.visibleTools()).isEmpty();
    }

    @Test
    void each_request_keeps_its_own_mask_and_a_notification_is_not_planned_at_all() throws Exception {
        JsonRpcMessage notification =
                message("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\",\"params\":{}}");
        AnswerPlan plan = ForwardStage.plan(
                new GateVerdict(List.of(
                        outcome(request(1, "tools/call"), allow(List.of("secret"), null, null, null)),
                        outcome(request(2, "tools/call"), allow(List.of(), null, null, null)),
                        outcome(notification, allow(List.of("personal_data"), Set.of("x"), null, null)))),
                "acme");

        assertThat(plan.masks()).containsOnlyKeys("1");
        assertThat(plan.masks().get("1")).containsExactly("secret");
        assertThat(plan.decided()).containsExactlyInAnyOrder("1", "2");
        assertThat(plan.decides("null")).isFalse();
        assertThat(plan.undecided())
                .as("a POST's own answers are masked by their decisions")
                .isEmpty();
        assertThat(plan.anyList()).isNull();
    }
}
