package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * A classifier's work that starts from keywords (ASCII case ignored). The scanner finds the keywords of all of them
 * in one pass over the text and hands each its hits: a pass of the keyword automaton costs about as much whatever
 * the keywords, and three classifiers making their own passes cost three.
 */
interface KeywordAnchored {

    /** Lower-case printable ASCII, distinct; the same list instance for as long as the keywords do not change. */
    List<String> keywords();

    /**
     * Adds the spans of its kind found from {@code hits} to {@code out}.
     *
     * @param hits where {@link #keywords()} occur in {@code text}, numbered as that list is
     */
    void scan(String text, char[] chars, KeywordHits hits, List<Finding> out);
}
