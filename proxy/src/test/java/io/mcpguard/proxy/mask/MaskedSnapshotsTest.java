package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaskedSnapshotsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TextMasker TEXTS =
            new TextMasker(SensitiveDataScanner.withDefaults(List.of("acme-corp.internal")), new byte[32]);
    private static final MaskedSnapshots SNAPSHOTS =
            new MaskedSnapshots(new JsonMasker(TEXTS), MaskRules.redactAll(), 120);

    @Test
    void every_class_is_masked_and_the_original_is_left_alone() throws Exception {
        JsonNode arguments = JSON.readTree("{\"query\":\"AKIAZ7QWERTY12345678 jordan.lee@acme-corp.example"
                + " db.acme-corp.internal\",\"pr_id\":2}");

        String snapshot = SNAPSHOTS.of(arguments, "acme");

        assertThat(snapshot)
                .isEqualTo("{\"query\":\"[REDACTED:aws-access-key] [REDACTED:email] [REDACTED:internal-hostname]\","
                        + "\"pr_id\":2}");
        assertThat(arguments.get("query").asText()).startsWith("AKIAZ7QWERTY12345678");
    }

    @Test
    void a_bare_string_is_masked_too() {
        assertThat(SNAPSHOTS.of(JSON.getNodeFactory().textNode("key AKIAZ7QWERTY12345678"), null))
                .isEqualTo("\"key [REDACTED:aws-access-key]\"");
    }

    @Test
    void a_bare_random_looking_key_is_redacted_but_hashes_paths_and_identifiers_are_not() throws Exception {
        // The shape of an AWS secret access key: no prefix, no keyword, nothing for a classifier to go by.
        String key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
        JsonNode arguments = JSON.readTree("{\"message\":\"deploy with " + key + " now\","
                + "\"ref\":\"3f1c2a9b8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b\","
                + "\"path\":\"payments-api/src/main/java/V2PaymentController.java\","
                + "\"list\":[\"" + key + "\"]}");

        String snapshot = new MaskedSnapshots(new JsonMasker(TEXTS), MaskRules.redactAll(), 1000).of(arguments, null);

        assertThat(snapshot)
                .doesNotContain(key)
                .doesNotContain("K7MDENG")
                .contains("deploy with [REDACTED:high-entropy] now")
                .contains("3f1c2a9b8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b")
                .contains("payments-api/src/main/java/V2PaymentController.java");
    }

    @Test
    void a_long_snapshot_is_cut_after_masking_and_says_how_much_is_missing() {
        String text = "x".repeat(300);

        String snapshot = SNAPSHOTS.of(JSON.getNodeFactory().textNode(text), null);

        assertThat(snapshot).startsWith("\"" + "x".repeat(119)).endsWith("…[182 more characters not recorded]");
    }

    @Test
    void a_tiny_limit_is_refused() {
        assertThatThrownBy(() -> new MaskedSnapshots(new JsonMasker(TEXTS), MaskRules.redactAll(), 10))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_cut_never_splits_a_surrogate_pair() {
        // The JSON text is a quote, 118 x and the emoji's two chars at 119 and 120: cut before the pair, not inside.
        String snapshot =
                SNAPSHOTS.of(JSON.getNodeFactory().textNode("x".repeat(118) + "\uD83D\uDE00" + "y".repeat(50)), null);

        assertThat(snapshot).isEqualTo("\"" + "x".repeat(118) + "…[53 more characters not recorded]");
    }

    @Test
    void every_random_looking_token_of_a_string_is_redacted_and_tokens_missing_a_kind_of_character_are_not() {
        String first = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
        String second = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";

        assertThat(MaskedSnapshots.redacted("old " + first + " new " + second))
                .isEqualTo("old [REDACTED:high-entropy] new [REDACTED:high-entropy]");
        assertThat(MaskedSnapshots.redacted("MAX_RETRY_COUNT_FOR_UPSTREAM_2 PaymentControllerIntegrationTests"))
                .as("no lower case; no digit")
                .isEqualTo("MAX_RETRY_COUNT_FOR_UPSTREAM_2 PaymentControllerIntegrationTests");
    }
}
