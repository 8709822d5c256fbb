package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** What the policy input says a tool declared: read from the server's tools/list, never from the caller. */
class DeclaredToolsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void a_listed_tool_keeps_its_annotations_and_data_classes() throws Exception {
        DeclaredTools tools = new DeclaredTools(10);

        tools.learn(json("""
                [{"name":"delete_repo","annotations":{"destructiveHint":true},
                  "_meta":{"io.mcpguard/data-classes":["pii"]}}]"""));

        JsonNode facts = tools.declared("delete_repo");
        assertThat(facts.get("annotations")).isEqualTo(json("{\"destructiveHint\":true}"));
        assertThat(facts.get("data_classes")).isEqualTo(json("[\"pii\"]"));
        assertThat(tools.declared("other")).isNull();
        assertThat(tools.declared(null)).isNull();
    }

    @Test
    void malformed_annotations_or_classes_are_read_as_none() throws Exception {
        DeclaredTools tools = new DeclaredTools(10);

        tools.learn(json("""
                [{"name":"a","annotations":"destructive","_meta":{"io.mcpguard/data-classes":"pii"}},
                 {"name":"b","_meta":"x"},
                 {"name":"c"}]"""));

        for (String name : new String[] {"a", "b", "c"}) {
            assertThat(tools.declared(name).get("annotations").isNull())
                    .as(name)
                    .isTrue();
            assertThat(tools.declared(name).get("data_classes")).as(name).isEqualTo(json("[]"));
        }
    }

    @Test
    void entries_without_a_textual_name_and_lists_that_are_not_arrays_teach_nothing() throws Exception {
        DeclaredTools tools = new DeclaredTools(10);

        tools.learn(json("[{\"name\":7},{\"title\":\"x\"}]"));
        tools.learn(json("{\"name\":\"obj\"}"));
        tools.learn(null);

        assertThat(tools.declared("7")).isNull();
        assertThat(tools.declared("obj")).isNull();
    }

    @Test
    void what_was_learnt_is_a_copy_and_a_later_listing_replaces_it() throws Exception {
        DeclaredTools tools = new DeclaredTools(10);
        JsonNode listing = json("[{\"name\":\"t\",\"annotations\":{\"readOnlyHint\":true}}]");
        tools.learn(listing);

        ((com.fasterxml.jackson.databind.node.ObjectNode) listing.get(0).get("annotations")).put("readOnlyHint", false);
        assertThat(tools.declared("t").at("/annotations/readOnlyHint").asBoolean())
                .isTrue();

        tools.learn(json("[{\"name\":\"t\"}]"));
        assertThat(tools.declared("t").get("annotations").isNull()).isTrue();
    }
}
