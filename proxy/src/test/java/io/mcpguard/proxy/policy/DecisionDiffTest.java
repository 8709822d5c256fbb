package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The kinds of change shadow mode counts and replay reports, each seen alone and in the reported order. */
class DecisionDiffTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode doc(String json) throws Exception {
        return JSON.readTree(json.replace('\'', '"'));
    }

    private static final String FULL = "{'allow':true,'reasons':['ok'],'mask':['email','iban'],"
            + "'quota':{'key':'k','limit':5},'obligations':{'require_mfa':false},'lists':{'deny':['x']}}";

    @Test
    void two_documents_that_decide_alike_differ_in_nothing_even_with_masks_listed_in_another_order() throws Exception {
        JsonNode reordered = doc(FULL.replace("['email','iban']", "['iban','email']"));

        assertThat(DecisionDiff.kinds(doc(FULL), reordered)).isEmpty();
        assertThat(DecisionDiff.kinds(doc("{}"), doc("{'allow':false}")))
                .as("a missing allow is a deny")
                .isEmpty();
    }

    @Test
    void the_direction_of_an_allow_change_is_named() throws Exception {
        assertThat(DecisionDiff.kinds(doc("{'allow':true}"), doc("{'allow':false}")))
                .containsExactly("allow_to_deny");
        assertThat(DecisionDiff.kinds(doc("{'allow':false}"), doc("{'allow':true}")))
                .containsExactly("deny_to_allow");
        assertThat(DecisionDiff.kinds(doc("{'allow':true}"), doc("{'allow':true}")))
                .isEmpty();
    }

    @Test
    void each_part_of_a_decision_is_its_own_kind_of_change() throws Exception {
        JsonNode before = doc(FULL);

        assertThat(DecisionDiff.kinds(before, doc(FULL.replace("['ok']", "['ok','also']"))))
                .containsExactly("reasons");
        assertThat(DecisionDiff.kinds(before, doc(FULL.replace("['email','iban']", "['email']"))))
                .containsExactly("mask");
        assertThat(DecisionDiff.kinds(before, doc(FULL.replace("'limit':5", "'limit':6"))))
                .containsExactly("quota");
        assertThat(DecisionDiff.kinds(before, doc(FULL.replace("'require_mfa':false", "'require_mfa':true"))))
                .containsExactly("step_up");
        assertThat(DecisionDiff.kinds(before, doc(FULL.replace("['x']", "['x','y']"))))
                .containsExactly("lists");
    }

    @Test
    void several_changes_are_reported_in_the_order_of_the_kinds() throws Exception {
        JsonNode after = doc("{'allow':false,'reasons':['no'],'mask':[],'lists':{}}");

        assertThat(DecisionDiff.kinds(doc(FULL), after))
                .containsExactly("allow_to_deny", "reasons", "mask", "quota", "step_up", "lists")
                .isSubsetOf(DecisionDiff.KINDS);
    }
}
