package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * Finds one kind of sensitive data in text. Implementations are stateless and thread-safe, and cheap on text that
 * holds nothing of their kind: each starts from a literal anchor or a single pass, never a regex over the whole
 * text.
 *
 * <p>The text comes twice, as a {@code String} for {@code indexOf} (an intrinsic: anchored classifiers use it) and
 * as the same characters in a {@code char[]} for loops that visit every character. Those loops must read the array:
 * once an answer holds one character outside Latin-1 (an em dash, an emoji) the {@code String} is stored as UTF-16,
 * and {@code charAt} then checks the coder and the bounds at every call, which the JIT does not hoist out of these
 * loops; on a megabyte answer that made the character loops two to three times slower. The scanner copies the text
 * once and shares the array; classifiers must not change it.
 */
public interface Classifier {

    /**
     * Adds every span of its kind in {@code text} to {@code out}; spans may overlap those of other classifiers.
     *
     * @param chars the characters of {@code text}, read-only
     */
    void scan(String text, char[] chars, List<Finding> out);

    /**
     * This classifier as it is now, as work that starts from keywords, or null when it starts otherwise: the scanner
     * then finds its keywords together with the others' (see {@link KeywordAnchored}) instead of calling {@link
     * #scan}. Both ways find the same spans.
     */
    default KeywordAnchored anchored() {
        return null;
    }
}
