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

    @org.junit.jupiter.api.Test
    void operands_of_the_wrong_type_are_refused_as_opa_refuses_them() throws Exception {
        JsonNode args = JSON.createArrayNode().add(1);
        JsonNode format = JSON.getNodeFactory().textNode("%d");
        for (JsonNode notText : new JsonNode[] {null, JSON.getNodeFactory().numberNode(1)}) {
            assertThatThrownBy(() -> RegoSprintf.format(notText, args))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("sprintf: operand 1 must be a string");
        }
        for (JsonNode notArray : new JsonNode[] {null, JSON.readTree("{\"a\":1}")}) {
            assertThatThrownBy(() -> RegoSprintf.format(format, notArray))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("sprintf: operand 2 must be an array");
        }
    }
}
