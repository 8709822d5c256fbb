package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MaskingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef-test-only".getBytes(StandardCharsets.UTF_8);

    private final TextMasker masker =
            new TextMasker(SensitiveDataScanner.withDefaults(ClassifierCorpusTest.INTERNAL_DOMAINS), KEY);
    private final JsonMasker jsonMasker = new JsonMasker(masker);

    @Test
    void every_secret_planted_in_the_sandbox_config_is_redacted() throws Exception {
        Path file = Path.of("..", "bitbucket-sandbox/src/main/resources/seed/files/payments-api/application-prod.yml");
        String original = Files.readString(file);
        MaskCounts counts = new MaskCounts();

        String masked = masker.mask(original, MaskRule.all(MaskStyle.REDACT), counts);

        assertThat(masked)
                .doesNotContain("AKIAIMJFOP3TFK2KBRYS")
                .doesNotContain("ov+r+/L0gXTeaDCfLG5Wbcis3A78erRrXLzBUnHg")
                .doesNotContain("Tr0ub4dor-Payments-2026!")
                .doesNotContain("MIICWwIBAAKBgQDN3YvMrDh489C9kK")
                .doesNotContain("pg-payments-01.prod.acme-corp.internal")
                .contains("[REDACTED:aws-access-key]")
                .contains("[REDACTED:pem-private-key]")
                .contains("postgresql://payments_svc:[REDACTED:database-url-password]@");
        assertThat(counts.byClassifier())
                .containsEntry("aws-access-key", 1)
                .containsEntry("aws-secret-key", 1)
                .containsEntry("pem-private-key", 1)
                .containsEntry("database-url-password", 1);
        assertThat(counts.byClass()).containsKeys(DataClass.SECRETS, DataClass.INTERNAL_INFRASTRUCTURE);
    }

    @Test
    void only_the_classes_the_rule_names_are_masked() {
        String text = "mail ravi.patel@globex.io, key AKIAIOSFODNN7EXAMPLE";
        MaskCounts counts = new MaskCounts();

        String masked = masker.mask(text, new MaskRule(Set.of(DataClass.SECRETS), Map.of(), null), counts);

        assertThat(masked).isEqualTo("mail ravi.patel@globex.io, key [REDACTED:aws-access-key]");
        assertThat(counts.byClass()).containsOnlyKeys(DataClass.SECRETS);
    }

    @Test
    void partial_keeps_the_last_four() {
        String masked = masker.mask(
                "card 4111 1111 1111 1111",
                new MaskRule(
                        EnumSet.of(DataClass.PERSONAL_DATA), Map.of(DataClass.PERSONAL_DATA, MaskStyle.PARTIAL), null),
                new MaskCounts());

        assertThat(masked).isEqualTo("card ***************1111");
    }

    @Test
    void partial_hides_a_short_value_whole_and_keeps_no_quote_backslash_or_control_character() {
        MaskRule partial =
                new MaskRule(EnumSet.of(DataClass.SECRETS), Map.of(DataClass.SECRETS, MaskStyle.PARTIAL), null);

        assertThat(masker.mask("password=hunter2", partial, new MaskCounts()))
                .as("eight characters or fewer: nothing kept")
                .isEqualTo("password=*******");
        // The kept tail would end the JSON string or break the line the text sits in.
        assertThat(masker.mask("password='hunte\"\\\u0001x'", partial, new MaskCounts()))
                .isEqualTo("password='" + "*****" + "***x" + "'"); // five hidden, then the tail '"\<SOH>x' made safe
    }

    @Test
    void a_hash_without_a_tenant_is_the_hash_of_the_empty_tenant() {
        String text = "from jane.doe@acme-corp.com";
        Map<DataClass, MaskStyle> hash = Map.of(DataClass.PERSONAL_DATA, MaskStyle.HASH);

        String noTenant = masker.mask(text, new MaskRule(EnumSet.allOf(DataClass.class), hash, null), new MaskCounts());
        String empty = masker.mask(text, new MaskRule(EnumSet.allOf(DataClass.class), hash, ""), new MaskCounts());

        assertThat(noTenant).matches("from \\[HASH:email:[0-9a-f]{12}]").isEqualTo(empty);
    }

    @Test
    void nothing_to_mask_returns_the_text_itself_and_a_short_hash_key_is_refused() {
        String text = "key AKIAIOSFODNN7EXAMPLE";

        assertThat(masker.mask(text, MaskRule.NOTHING, new MaskCounts())).isSameAs(text);
        assertThat(masker.mask("", MaskRule.all(MaskStyle.REDACT), new MaskCounts()))
                .isEmpty();
        assertThatThrownBy(() -> new TextMasker(SensitiveDataScanner.withDefaults(List.of()), new byte[31]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes");
    }

    @Test
    void a_value_is_masked_whole_only_when_one_finding_of_that_classifier_and_a_masked_class_covers_it() {
        MaskRule all = MaskRule.all(MaskStyle.REDACT);
        MaskRule secretsOnly = new MaskRule(EnumSet.of(DataClass.SECRETS), Map.of(), null);
        MaskCounts counts = new MaskCounts();

        assertThat(masker.maskWhole("4111111111111111", "payment-card", all, counts))
                .isEqualTo("[REDACTED:payment-card]");
        assertThat(counts.total()).isEqualTo(1);
        assertThat(masker.maskWhole("4111111111111111", "phone", all, counts))
                .as("another classifier")
                .isNull();
        assertThat(masker.maskWhole("4111111111111111", "payment-card", secretsOnly, counts))
                .as("a class the rule leaves")
                .isNull();
        assertThat(masker.maskWhole("card 4111111111111111", "payment-card", all, counts))
                .as("not from the start")
                .isNull();
        assertThat(masker.maskWhole("4111111111111111 card", "payment-card", all, counts))
                .as("not to the end")
                .isNull();
        assertThat(masker.maskWhole("4111111111111111", "payment-card", MaskRule.NOTHING, counts))
                .isNull();
        assertThat(masker.maskWhole("", "payment-card", all, counts)).isNull();
        assertThat(counts.total()).isEqualTo(1);
    }

    @Test
    void event_text_is_masked_unless_the_rule_masks_nothing_and_a_number_too_long_for_a_card_is_left()
            throws Exception {
        String text = "key AKIAIOSFODNN7EXAMPLE";
        JsonNode big = JSON.readTree("41111111111111111111111"); // 23 digits: no card has so many

        assertThat(jsonMasker.maskText(text, MaskRule.all(MaskStyle.REDACT), new MaskCounts()))
                .isEqualTo("key [REDACTED:aws-access-key]");
        assertThat(jsonMasker.maskText(text, MaskRule.NOTHING, new MaskCounts()))
                .isSameAs(text);
        assertThat(jsonMasker.masked(big, MaskRule.all(MaskStyle.REDACT), new MaskCounts()))
                .isSameAs(big);
    }

    @Test
    void a_keyed_hash_is_stable_within_a_tenant_and_differs_between_tenants() {
        String text = "from jane.doe@acme-corp.com";
        MaskRule acme =
                new MaskRule(EnumSet.allOf(DataClass.class), Map.of(DataClass.PERSONAL_DATA, MaskStyle.HASH), "acme");
        MaskRule globex =
                new MaskRule(EnumSet.allOf(DataClass.class), Map.of(DataClass.PERSONAL_DATA, MaskStyle.HASH), "globex");

        String first = masker.mask(text, acme, new MaskCounts());
        String again = masker.mask(text, acme, new MaskCounts());
        String otherTenant = masker.mask(text, globex, new MaskCounts());

        assertThat(first).matches("from \\[HASH:email:[0-9a-f]{12}]").isEqualTo(again);
        assertThat(otherTenant).matches("from \\[HASH:email:[0-9a-f]{12}]").isNotEqualTo(first);
        assertThat(first).doesNotContain("jane");
    }

    @Test
    void a_tool_result_stays_valid_json_with_numbers_that_are_no_card_and_booleans_untouched() throws Exception {
        JsonNode result = JSON.readTree("""
                {"content":[{"type":"text","text":"{\\"password\\": \\"P@ssw0rd!\\", \\"owner\\": \\"ravi@globex.io\\"}"}],
                 "structuredContent":{"author":"Jane <jane.doe@acme-corp.com>","size":4111111111111112,"merged":true,
                   "links":["https://deploy:tok3nvalue@git.example.com/r.git"]},
                 "isError":false}""");
        MaskCounts counts = new MaskCounts();

        assertThat(jsonMasker.masked(result, MaskRule.all(MaskStyle.REDACT), counts))
                .as("a container is masked in place")
                .isSameAs(result);

        String text = result.at("/content/0/text").asText();
        JsonNode embedded = JSON.readTree(text); // still JSON after masking inside it
        assertThat(embedded.get("password").asText()).isEqualTo("[REDACTED:password-assignment]");
        assertThat(embedded.get("owner").asText()).isEqualTo("[REDACTED:email]");
        assertThat(result.at("/structuredContent/author").asText()).isEqualTo("Jane <[REDACTED:email]>");
        assertThat(result.at("/structuredContent/size").isNumber()).isTrue();
        assertThat(result.at("/structuredContent/size").asLong()).isEqualTo(4111111111111112L);
        assertThat(result.at("/structuredContent/merged").asBoolean()).isTrue();
        assertThat(result.at("/structuredContent/links/0").asText())
                .isEqualTo("https://deploy:[REDACTED:url-credentials]@git.example.com/r.git");
        assertThat(result.get("isError").isBoolean()).isTrue();
        assertThat(counts.total()).isEqualTo(4);
    }

    @Test
    void a_bare_string_or_card_number_comes_back_masked_and_other_bare_values_as_they_are() throws Exception {
        MaskRule all = MaskRule.all(MaskStyle.REDACT);

        JsonNode masked = jsonMasker.masked(JSON.readTree("\"key AKIAIOSFODNN7EXAMPLE\""), all, new MaskCounts());

        assertThat(masked.asText()).isEqualTo("key [REDACTED:aws-access-key]");
        assertThat(jsonMasker
                        .masked(JSON.readTree("4111111111111111"), all, new MaskCounts())
                        .asText())
                .isEqualTo("[REDACTED:payment-card]");
        JsonNode number = JSON.readTree("4111111111111112");
        assertThat(jsonMasker.masked(number, all, new MaskCounts())).isSameAs(number);
        JsonNode clean = JSON.readTree("\"nothing to hide\"");
        assertThat(jsonMasker.masked(clean, all, new MaskCounts())).isSameAs(clean);
    }

    @Test
    void text_without_findings_is_returned_as_the_same_instance() {
        String clean = "public final class Payment { long amountCents; }";

        assertThat(masker.mask(clean, MaskRule.all(MaskStyle.REDACT), new MaskCounts()))
                .isSameAs(clean);
    }

    @Test
    void a_card_number_sent_as_a_json_number_is_masked_and_other_numbers_keep_their_value() throws Exception {
        JsonNode result = JSON.readTree("{\"card\": 4111111111111111, \"id\": 4111111111111112,"
                + " \"created_ms\": 1765000000000, \"count\": 3, \"ratio\": 0.5}");
        MaskCounts counts = new MaskCounts();

        JsonNode masked = jsonMasker.masked(result, MaskRule.all(MaskStyle.REDACT), counts);

        assertThat(masked.get("card").asText()).isEqualTo("[REDACTED:payment-card]");
        assertThat(masked.get("id").isIntegralNumber())
                .as("fails the Luhn check: an id")
                .isTrue();
        assertThat(masked.get("created_ms").asLong()).isEqualTo(1765000000000L);
        assertThat(masked.get("count").asInt()).isEqualTo(3);
        assertThat(masked.get("ratio").asDouble()).isEqualTo(0.5);
        assertThat(counts.byClassifier()).containsExactly(Map.entry("payment-card", 1));
        assertThat(jsonMasker
                        .masked(JSON.readTree("4111111111111111"), MaskRule.NOTHING, new MaskCounts())
                        .isNumber())
                .as("nothing to mask: the number stays")
                .isTrue();
    }

    @Test
    void a_secret_or_an_address_as_an_object_key_is_masked_and_the_keys_stay_apart() throws Exception {
        JsonNode result = JSON.readTree("{\"first\": 1, \"ghp_gJTeKdNnFRIBXuDL7DxtpYlSXpfKtHF4vUCs\": true,"
                + " \"ana@acme-corp.example\": {\"role\": \"admin\"}, \"bo@acme-corp.example\": {\"role\": \"dev\"},"
                + " \"[REDACTED:email]\": \"a key that was already the mask\", \"last\": 2}");
        MaskCounts counts = new MaskCounts();

        JsonNode masked = jsonMasker.masked(result, MaskRule.all(MaskStyle.REDACT), counts);

        List<String> keys = new java.util.ArrayList<>();
        masked.fieldNames().forEachRemaining(keys::add);
        assertThat(keys)
                .containsExactly(
                        "first",
                        "[REDACTED:github-token]",
                        "[REDACTED:email]#2",
                        "[REDACTED:email]#3",
                        "[REDACTED:email]",
                        "last");
        assertThat(masked.get("[REDACTED:email]#3").get("role").asText()).isEqualTo("dev");
        assertThat(masked.toString()).doesNotContain("ghp_", "ana@", "bo@");
        assertThat(counts.byClassifier()).containsEntry("github-token", 1).containsEntry("email", 2);
    }
}
