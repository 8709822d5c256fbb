package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.testing.Tools;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MaskRulesTest {
    private final MaskRules rules = new MaskRules(Map.of("personal_data", "hash", "secret", "partial"));

    @Test
    void secret_covers_secrets_and_credentials_in_urls() {
        MaskRule rule = rules.fromPolicy(List.of("secret"), "acme");

        assertThat(rule.classes()).containsExactlyInAnyOrder(DataClass.SECRETS, DataClass.CREDENTIALS);
        assertThat(rule.styleOf(DataClass.SECRETS)).isEqualTo(MaskStyle.PARTIAL);
        assertThat(rule.styleOf(DataClass.CREDENTIALS)).isEqualTo(MaskStyle.PARTIAL);
        assertThat(rule.tenant()).isEqualTo("acme");
    }

    @Test
    void classes_without_a_pattern_mask_nothing() {
        assertThat(rules.fromPolicy(List.of("source_code", "pr_metadata", "repository_metadata", "unknown"), null))
                .isSameAs(MaskRule.NOTHING);
    }

    @Test
    void each_policy_class_maps_to_its_engine_class_and_back() {
        MaskRule rule = rules.fromPolicy(List.of("personal_data", "internal_infrastructure"), null);

        assertThat(rule.classes())
                .containsExactlyInAnyOrder(DataClass.PERSONAL_DATA, DataClass.INTERNAL_INFRASTRUCTURE);
        assertThat(rule.styleOf(DataClass.PERSONAL_DATA)).isEqualTo(MaskStyle.HASH);
        assertThat(rule.styleOf(DataClass.INTERNAL_INFRASTRUCTURE)).isEqualTo(MaskStyle.REDACT);
        for (DataClass dataClass : DataClass.values()) {
            assertThat(MaskRules.engineClasses(MaskRules.policyClass(dataClass)))
                    .contains(dataClass);
        }
    }

    @Test
    void hashes_differ_between_tenants() {
        TextMasker masker = new TextMasker(
                SensitiveDataScanner.withDefaults(List.of("internal")),
                "k".repeat(32).getBytes());
        String text = "mail priya.raman@acme-corp.example";

        String acme = masker.mask(text, rules.fromPolicy(List.of("personal_data"), "acme"), new MaskCounts());
        String again = masker.mask(text, rules.fromPolicy(List.of("personal_data"), "acme"), new MaskCounts());
        String globex = masker.mask(text, rules.fromPolicy(List.of("personal_data"), "globex"), new MaskCounts());

        assertThat(acme).startsWith("mail [HASH:email:").isEqualTo(again).isNotEqualTo(globex);
    }

    /**
     * The policy masks by default every class in {@code data.mcp.dataclass.maskable}; those are exactly the classes
     * this engine has patterns for. A class the policy counts as maskable but the engine ignores would pass in clear
     * while the decision says it is masked; one the engine finds but the policy does not list would never be asked for.
     */
    @Test
    void the_policy_maskable_classes_are_exactly_the_classes_with_patterns() throws Exception {
        Set<String> maskable = new HashSet<>();
        new ObjectMapper()
                .readTree(
                        Tools.repo().resolve("policies/mcp/dataclass/data.json").toFile())
                .required("maskable")
                .forEach(c -> maskable.add(c.asText()));

        Set<String> withPatterns = new HashSet<>();
        for (DataClass dataClass : DataClass.values()) {
            withPatterns.add(MaskRules.policyClass(dataClass));
        }
        assertThat(maskable).isEqualTo(withPatterns);
        for (String policyClass : maskable) {
            assertThat(MaskRules.engineClasses(policyClass)).as(policyClass).isNotEmpty();
        }
    }
}
