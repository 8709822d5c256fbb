package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.mask.UpstreamErrorSanitizer;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.mcpguard.proxy.policy.ListPatterns;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ItemListFilterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A POSTed body: "1" asked for prompts, "2" for resources, "3" for templates, "4" for something else. */
    private static final AnswerPlan PLAN = new AnswerPlan(Map.of(), Map.of(), "acme", Set.of("1", "2", "3", "4"))
            .listing(Map.of(
                    "1",
                    new AnswerPlan.ListCut(ListKind.PROMPTS, new ListPatterns(List.of("simple-prompt"))),
                    "2",
                    new AnswerPlan.ListCut(ListKind.RESOURCES, new ListPatterns(List.of("demo://static/*"))),
                    "3",
                    new AnswerPlan.ListCut(
                            ListKind.RESOURCE_TEMPLATES, new ListPatterns(List.of("demo://dynamic/text/*")))));

    private static ObjectNode parse(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    private static List<String> names(JsonNode items, String key) {
        List<String> names = new ArrayList<>();
        items.forEach(item -> names.add(item.path(key).asText()));
        return names;
    }

    @Test
    void a_prompt_list_keeps_the_allowed_prompts_and_every_other_member_of_the_result() throws Exception {
        ObjectNode answer = parse("""
                {"jsonrpc":"2.0","id":1,"result":{"prompts":[
                {"name":"simple-prompt","title":"Simple"},{"name":"args-prompt"},{"name":"simple-prompt-2"}],
                "nextCursor":"c2","_meta":{"k":"v"},"ttlMs":30000,"cacheScope":"private"}}""");

        assertThat(new ItemListFilter(PLAN).rewrite(answer)).isEqualTo(2);

        assertThat(names(answer.at("/result/prompts"), "name")).containsExactly("simple-prompt");
        assertThat(answer.at("/result/prompts/0/title").asText()).isEqualTo("Simple");
        assertThat(answer.at("/result/nextCursor").asText()).isEqualTo("c2");
        assertThat(answer.at("/result/_meta/k").asText()).isEqualTo("v");
        assertThat(answer.at("/result/ttlMs").asInt()).isEqualTo(30000);
        assertThat(answer.at("/result/cacheScope").asText()).isEqualTo("private");
    }

    @Test
    void resources_are_placed_by_uri_and_templates_by_uri_template() throws Exception {
        ObjectNode resources = parse("""
                {"jsonrpc":"2.0","id":2,"result":{"resources":[
                {"uri":"demo://static/a.md","name":"demo://dynamic/x"},{"uri":"demo://dynamic/text/1","name":"demo://static/b"},
                {"uri":"demo://static/../secret"}]}}""");
        ObjectNode templates = parse("""
                {"jsonrpc":"2.0","id":3,"result":{"resourceTemplates":[
                {"uriTemplate":"demo://dynamic/text/{id}","name":"t"},{"uriTemplate":"demo://dynamic/blob/{id}"},
                {"uri":"demo://dynamic/text/{id}"}]}}""");

        assertThat(new ItemListFilter(PLAN).rewrite(resources)).isEqualTo(2);
        assertThat(new ItemListFilter(PLAN).rewrite(templates)).isEqualTo(2);

        assertThat(names(resources.at("/result/resources"), "uri")).containsExactly("demo://static/a.md");
        assertThat(names(templates.at("/result/resourceTemplates"), "uriTemplate"))
                .containsExactly("demo://dynamic/text/{id}");
    }

    @Test
    void an_item_the_decision_cannot_place_is_hidden() throws Exception {
        ObjectNode answer = parse("""
                {"jsonrpc":"2.0","id":1,"result":{"prompts":[
                {"title":"no name"},{"name":null},{"name":["simple-prompt"]},{"name":{"text":"simple-prompt"}},
                "simple-prompt",7,null,["simple-prompt"],{"name":"simple-prompt"}]}}""");

        assertThat(new ItemListFilter(PLAN).rewrite(answer)).isEqualTo(8);

        assertThat(answer.at("/result/prompts").toString()).isEqualTo("[{\"name\":\"simple-prompt\"}]");
    }

    @Test
    void a_list_member_that_is_no_array_is_emptied() throws Exception {
        ObjectNode answer = parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"prompts\":{\"name\":\"args-prompt\"}}}");

        assertThat(new ItemListFilter(PLAN).rewrite(answer)).isEqualTo(1);

        assertThat(answer.at("/result/prompts").toString()).isEqualTo("[]");
    }

    @Test
    void a_decision_without_patterns_shows_nothing() throws Exception {
        AnswerPlan plan = new AnswerPlan(Map.of(), Map.of(), "acme", Set.of("1"))
                .listing(Map.of("1", new AnswerPlan.ListCut(ListKind.PROMPTS, ListPatterns.NONE)));
        ObjectNode answer = parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"prompts\":[{\"name\":\"a\"}]}}");

        assertThat(new ItemListFilter(plan).rewrite(answer)).isEqualTo(1);
        assertThat(answer.at("/result/prompts").size()).isZero();
    }

    @Test
    void a_list_that_answers_no_decided_request_is_emptied_and_other_answers_are_left_alone() throws Exception {
        ObjectNode unmatched = parse("""
                {"jsonrpc":"2.0","id":99,"result":{"prompts":[{"name":"simple-prompt"}],
                "resources":[{"uri":"demo://static/a.md"}],"nextCursor":"n"}}""");
        ObjectNode onStream =
                parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"resourceTemplates\":[{\"uriTemplate\":\"x\"}]}}");
        ObjectNode otherAnswer = parse("{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"prompts\":[{\"name\":\"x\"}]}}");
        ObjectNode notification =
                parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/prompts/list_changed\",\"params\":{}}");
        String otherText = otherAnswer.toString();

        assertThat(new ItemListFilter(PLAN).rewrite(unmatched)).isEqualTo(2);
        assertThat(new ItemListFilter(AnswerPlan.forStream(Set.of(), "acme")).rewrite(onStream))
                .isEqualTo(1);
        assertThat(new ItemListFilter(PLAN).rewrite(otherAnswer)).isEqualTo(ItemListFilter.NOT_A_LIST);
        assertThat(new ItemListFilter(PLAN).rewrite(notification)).isEqualTo(ItemListFilter.NOT_A_LIST);

        assertThat(unmatched.at("/result/prompts").size()).isZero();
        assertThat(unmatched.at("/result/resources").size()).isZero();
        assertThat(unmatched.at("/result/nextCursor").asText()).isEqualTo("n");
        assertThat(onStream.at("/result/resourceTemplates").size()).isZero();
        assertThat(otherAnswer.toString()).isEqualTo(otherText);
    }

    @Test
    void the_inspector_cuts_the_list_then_masks_what_is_left_and_reports_how_many_it_hid() throws Exception {
        TextMasker texts = new TextMasker(SensitiveDataScanner.withDefaults(List.of("internal")), new byte[32]);
        AnswerInspection inspection =
                new AnswerInspection(new JsonMasker(texts), new UpstreamErrorSanitizer(texts), MaskRules.redactAll());
        AnswerPlan plan = new AnswerPlan(Map.of(), Map.of("1", List.of("secret")), "acme", Set.of("1"))
                .listing(Map.of("1", new AnswerPlan.ListCut(ListKind.PROMPTS, new ListPatterns(List.of("kept")))));
        int[] hidden = {0};
        RelayListener listener = new RelayListener() {
            @Override
            public void failedBeforeResponse(io.mcpguard.proxy.jsonrpc.ErrorCode code, String message) {}

            @Override
            public void completed() {}

            @Override
            public void hidden(int items) {
                hidden[0] += items;
            }
        };
        AnswerInspector inspector = inspection.forAnswer(plan, new DeclaredTools(10), listener);
        ObjectNode answer = parse("""
                {"jsonrpc":"2.0","id":1,"result":{"prompts":[{"name":"kept","description":"key AKIAZ7QWERTY12345678"},
                {"name":"gone"},{"name":"also-gone"}]}}""");

        assertThat(inspector.inspect(answer)).isTrue();

        assertThat(names(answer.at("/result/prompts"), "name")).containsExactly("kept");
        assertThat(answer.at("/result/prompts/0/description").asText()).isEqualTo("key [REDACTED:aws-access-key]");
        assertThat(hidden[0]).isEqualTo(2);
    }
}
