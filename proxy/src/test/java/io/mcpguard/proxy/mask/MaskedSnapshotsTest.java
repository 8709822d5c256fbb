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
}
