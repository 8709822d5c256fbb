package io.mcpguard.proxy.policy;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The patterns a decision gives for a {@code prompts/list} ({@code lists.prompts}) or a {@code resources/list} /
 * {@code resources/templates/list} ({@code lists.resources}): which names, URIs or URI templates the answer may show.
 * The language is the policy's ({@code policies/mcp/patterns}), and the two must agree, or a list would show what a
 * get or read refuses (both sides test the same cases): a pattern ending in {@code *} matches every value that
 * starts with what precedes the {@code *}, provided the rest cannot climb out of that start (no {@code ..}, no
 * backslash, no percent-encoded dot, slash or backslash, no control character or space); any other pattern matches
 * only the value equal to it.
 *
 * @param patterns as the decision listed them
 */
public record ListPatterns(List<String> patterns) {
    /** Nothing is visible: what a list whose decision named no patterns shows. */
    public static final ListPatterns NONE = new ListPatterns(List.of());

    // RE2 in OPA and java.util.regex read this class the same way: ASCII only, case folded for the escapes.
    private static final Pattern CLIMBS =
            Pattern.compile("\\.\\.|\\\\|%2e|%2f|%5c|[\\x00-\\x20\\x7f]", Pattern.CASE_INSENSITIVE);

    public ListPatterns {
        patterns = List.copyOf(patterns);
    }

    /** Whether any pattern matches {@code value}; never for null. Costs one pass over the patterns. */
    public boolean matches(String value) {
        if (value == null) {
            return false;
        }
        for (String pattern : patterns) {
            if (matches(pattern, value)) {
                return true;
            }
        }
        return false;
    }

    static boolean matches(String pattern, String value) {
        if (!pattern.endsWith("*")) {
            return pattern.equals(value);
        }
        String start = pattern.substring(0, pattern.length() - 1);
        return value.startsWith(start)
                && !CLIMBS.matcher(value.substring(start.length())).find();
    }
}
