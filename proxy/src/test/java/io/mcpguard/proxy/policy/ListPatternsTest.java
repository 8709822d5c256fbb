package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The same cases as {@code policies/mcp/patterns/patterns_test.rego}: the proxy and the policy must agree. */
class ListPatternsTest {
    private static boolean matches(String pattern, String value) {
        return new ListPatterns(List.of(pattern)).matches(value);
    }

    @Test
    void a_plain_pattern_matches_only_itself() {
        assertThat(matches("simple-prompt", "simple-prompt")).isTrue();
        assertThat(matches("simple-prompt", "simple-prompt-2")).isFalse();
        assertThat(matches("simple-prompt", "Simple-prompt")).isFalse();
    }

    @Test
    void a_trailing_star_matches_what_starts_with_the_rest() {
        assertThat(matches("demo://resource/static/*", "demo://resource/static/document/a.md"))
                .isTrue();
        assertThat(matches("demo://resource/static/*", "demo://resource/static/"))
                .isTrue();
        assertThat(matches("demo://resource/static/*", "demo://resource/dynamic/text/1"))
                .isFalse();
    }

    @Test
    void a_lone_star_matches_every_plain_value() {
        assertThat(matches("*", "anything-at-all")).isTrue();
        assertThat(matches("*", "")).isTrue();
    }

    @Test
    void a_star_elsewhere_is_a_plain_character() {
        assertThat(matches("demo://*/a", "demo://x/a")).isFalse();
        assertThat(matches("demo://*/a", "demo://*/a")).isTrue();
    }

    @Test
    void the_rest_may_not_climb_out_of_the_start() {
        for (String climbing : List.of(
                "demo://docs/../secrets/key",
                "demo://docs/%2E%2E/secrets/key",
                "demo://docs/a%2fb",
                "demo://docs/a%5Cb",
                "demo://docs/a\\b",
                "demo://docs/a b",
                "demo://docs/a\nb",
                "demo://docs/a\u007fb")) {
            assertThat(matches("demo://docs/*", climbing)).as(climbing).isFalse();
        }
        assertThat(matches("demo://docs/*", "demo://docs/a.b/c%20d")).isTrue();
    }

    @Test
    void no_value_and_no_pattern_match_nothing() {
        assertThat(matches("*", null)).isFalse();
        assertThat(ListPatterns.NONE.matches("simple-prompt")).isFalse();
        assertThat(new ListPatterns(List.of("a", "b*")).matches("bee")).isTrue();
    }
}
