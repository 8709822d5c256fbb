package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the text masker with secrets planted in fuzzed text (see {@link JsonMaskerFuzzTest#text}). Oracles: no
 * planted secret survives in any style, and masking adds no quote, backslash or control character — the property
 * that keeps a masked JSON string (or JSON carried as text) valid.
 */
class TextMaskerFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void text_masking_hides_planted_secrets_and_adds_no_json_syntax(FuzzedDataProvider data) {
        MaskStyle style = data.pickValue(MaskStyle.values());
        List<String> planted = new ArrayList<>();
        String text = JsonMaskerFuzzTest.text(data, planted);

        String masked = JsonMaskerFuzzTest.TEXTS.mask(text, MaskRule.all(style), new MaskCounts());

        for (String secret : planted) {
            assertThat(masked).as("planted secret in %s style", style).doesNotContain(secret);
        }
        assertThat(count(masked, '"')).isLessThanOrEqualTo(count(text, '"'));
        assertThat(count(masked, '\\')).isLessThanOrEqualTo(count(text, '\\'));
        assertThat(controls(masked)).isLessThanOrEqualTo(controls(text));
    }

    private static long count(String text, char c) {
        return text.chars().filter(x -> x == c).count();
    }

    private static long controls(String text) {
        return text.chars().filter(x -> x < 0x20).count();
    }
}
