package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.policy.DeclaredTools;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Cutting {@code tools/list} answers to the tools the decision lets the caller see: a planned answer keeps only the
 * named tools (a tool whose name is missing or no string is hidden), a stream's list is cut to the subject's last
 * view, and every other message is no list to cut. The server's declarations are learnt from the uncut list.
 */
class ToolListFilterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOOLS =
            "{\"tools\":[{\"name\":\"get_repository\",\"inputSchema\":{\"type\":\"object\"}},"
                    + "{\"name\":\"merge\",\"inputSchema\":{\"type\":\"object\"}},{\"name\":7},{\"title\":\"no name\"}]}";

    private static JsonNode answer(String id, String result) throws Exception {
        return JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}");
    }

    private static ToolListFilter planned(DeclaredTools declared) {
        return new ToolListFilter(
                new AnswerPlan(Map.of("1", Set.of("get_repository")), Map.of(), null, Set.of("1", "2")), declared);
    }

    @Test
    void a_planned_list_keeps_only_the_visible_tools_and_teaches_what_the_server_declared() throws Exception {
        DeclaredTools declared = new DeclaredTools(10);
        JsonNode list = answer("1", TOOLS);

        assertThat(planned(declared).rewrite(list)).isEqualTo(3);

        assertThat(list.at("/result/tools").findValuesAsText("name")).containsExactly("get_repository");
        assertThat(declared.declared("merge")).as("learnt before the cut").isNotNull();
    }

    @Test
    void what_answers_no_planned_list_is_left_alone() throws Exception {
        ToolListFilter filter = planned(new DeclaredTools(10));
        JsonNode other = answer("2", TOOLS);
        JsonNode noId = JSON.readTree("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}");

        assertThat(filter.rewrite(other)).isEqualTo(ToolListFilter.NOT_A_LIST);
        assertThat(other.at("/result/tools")).hasSize(4);
        assertThat(filter.rewrite(noId)).isEqualTo(ToolListFilter.NOT_A_LIST);
        assertThat(filter.rewrite(JSON.readTree("7"))).isEqualTo(ToolListFilter.NOT_A_LIST);
        assertThat(filter.rewrite(JSON.readTree("[" + other + "]"))).isEqualTo(ToolListFilter.NOT_A_LIST);
    }

    @Test
    void a_planned_answer_without_a_tool_list_hides_nothing_but_counts_as_the_list() throws Exception {
        JsonNode error = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,\"message\":\"x\"}}");

        assertThat(planned(new DeclaredTools(10)).rewrite(error)).isZero();
    }

    @Test
    void a_batch_adds_up_what_its_planned_lists_hid() throws Exception {
        ToolListFilter filter = new ToolListFilter(
                new AnswerPlan(
                        Map.of("1", Set.of("get_repository"), "3", Set.of("get_repository", "merge")),
                        Map.of(),
                        null,
                        Set.of("1", "2", "3")),
                new DeclaredTools(10));
        JsonNode batch =
                JSON.readTree("[" + answer("1", TOOLS) + "," + answer("2", TOOLS) + "," + answer("3", TOOLS) + "]");

        assertThat(filter.rewrite(batch)).isEqualTo(3 + 2);
        assertThat(batch.at("/2/result/tools").findValuesAsText("name")).containsExactly("get_repository", "merge");
        assertThat(batch.at("/1/result/tools")).hasSize(4);
    }

    @Test
    void a_list_on_a_stream_is_cut_to_the_subject_s_last_view_and_other_results_are_no_list() throws Exception {
        ToolListFilter filter =
                new ToolListFilter(AnswerPlan.forStream(Set.of("merge"), "acme"), new DeclaredTools(10));
        JsonNode replayed = answer("\"r\"", TOOLS);

        assertThat(filter.rewrite(replayed)).isEqualTo(3);
        assertThat(replayed.at("/result/tools").findValuesAsText("name")).containsExactly("merge");
        assertThat(filter.rewrite(answer("4", "{\"content\":[]}"))).isEqualTo(ToolListFilter.NOT_A_LIST);
    }

    @Test
    void only_the_three_list_methods_name_a_list_kind() {
        assertThat(ListKind.of("prompts/list")).isEqualTo(ListKind.PROMPTS);
        assertThat(ListKind.of("resources/list")).isEqualTo(ListKind.RESOURCES);
        assertThat(ListKind.of("resources/templates/list")).isEqualTo(ListKind.RESOURCE_TEMPLATES);
        assertThat(ListKind.of("tools/list")).isNull();
        assertThat(ListKind.of(null)).isNull();
        assertThat(List.of(ListKind.RESOURCE_TEMPLATES.member(), ListKind.RESOURCE_TEMPLATES.key()))
                .containsExactly("resourceTemplates", "uriTemplate");
    }
}
