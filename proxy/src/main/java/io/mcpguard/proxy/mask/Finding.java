package io.mcpguard.proxy.mask;

/**
 * One sensitive span of a text: {@code text.substring(start, end)}.
 *
 * @param classifier the stable name of the classifier that found it, e.g. {@code aws-access-key}
 */
public record Finding(int start, int end, String classifier, DataClass dataClass) {
    public int length() {
        return end - start;
    }
}
