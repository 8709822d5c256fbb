package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Expected texts are what OPA 1.x's {@code sprintf} (Go's fmt) prints for the same call. */
class RegoSprintfTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "sprintf({0}, {1}) = {2}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "`\"tool %s here\"` | `[\"\\\"x\\\"\"]` | `tool \"x\" here`",
                "`\"within %d seconds\"` | `[900]` | `within 900 seconds`",
                "`\"version %s; reads %q\"` | `[\"null\", \"2\"]` | `version null; reads \"2\"`",
                "`\"%q\"` | `[\"a\\\"b\\\\c\\n\\t\\u0007é😀\\u00a0\"]` | `\"a\\\"b\\\\c\\n\\t\\aé😀\\u00a0\"`",
                "`\"%d\"` | `[\"x\"]` | `%!d(string=x)`",
                "`\"%s\"` | `[5]` | `%!s(int64=5)`",
                "`\"%v and %v\"` | `[1.5, true]` | `1.5 and true`",
                "`\"%v\"` | `[[\"a\", 1]]` | `[\"a\", 1]`",
                "`\"%v\"` | `[{\"b\": 1, \"a\": null}]` | `{\"a\": null, \"b\": 1}`",
                "`\"%s %s\"` | `[\"a\"]` | `a %!s(MISSING)`",
                "`\"%s\"` | `[\"a\", 2]` | `a%!(EXTRA int64=2)`",
                "`\"100%%\"` | `[]` | `100%`",
                "`\"%d\"` | `[12345678901234567890]` | `12345678901234567890`",
            })
    void formats_as_go_does(String format, String args, String expected) throws Exception {
        assertThat(RegoSprintf.format(JSON.readTree(format), JSON.readTree(args)))
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"%5s", "%x", "%-d", "%.2f"})
    void refuses_what_it_cannot_print_exactly_as_go(String format) {
        JsonNode args = JSON.createArrayNode().add(1);
        assertThatThrownBy(() -> RegoSprintf.format(JSON.getNodeFactory().textNode(format), args))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not support");
    }
}
