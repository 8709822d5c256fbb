package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientTextTest {
    private static final ClientText CLEAN = new ClientText(
            new TextMasker(SensitiveDataScanner.withDefaults(List.of("acme-corp.internal")), new byte[32]));

    @Test
    void ordinary_names_are_kept_as_sent() {
        assertThat(CLEAN.of("tools/call")).isEqualTo("tools/call");
        assertThat(CLEAN.of("get_pull_request")).isEqualTo("get_pull_request");
        assertThat(CLEAN.of("79da5be4-266c-46bf-8c7e-821bae6384b8")).isEqualTo("79da5be4-266c-46bf-8c7e-821bae6384b8");
        assertThat(CLEAN.of((String) null)).isNull();
    }

    @Test
    void a_secret_sent_as_a_name_is_redacted_never_hashed() {
        assertThat(CLEAN.of("AKIAIOSFODNN7EXAMPLE")).isEqualTo("[REDACTED:aws-access-key]");
        assertThat(CLEAN.of("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).isEqualTo("[REDACTED:high-entropy]");
        assertThat(CLEAN.of(List.of("unknown tool \"jordan.lee@acme-corp.example\"")))
                .containsExactly("unknown tool \"[REDACTED:email]\"");
    }

    @Test
    void a_long_name_is_cut() {
        assertThat(CLEAN.of("x".repeat(500))).hasSize(ClientText.MAX_CHARS + 1).endsWith("…");
    }

    @Test
    void a_cut_never_splits_a_surrogate_pair_and_no_list_stays_no_list() {
        String name = "x".repeat(ClientText.MAX_CHARS - 1) + "\uD83D\uDE00" + "tail";

        assertThat(CLEAN.of(name)).isEqualTo("x".repeat(ClientText.MAX_CHARS - 1) + "…");
        assertThat(CLEAN.of((List<String>) null)).isNull();
    }
}
