package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * Finds one kind of sensitive data in text. Implementations are stateless and thread-safe, and cheap on text that
 * holds nothing of their kind: each starts from a literal anchor or a single pass, never a regex over the whole
 * text.
 */
public interface Classifier {

    /** Adds every span of its kind in {@code text} to {@code out}; spans may overlap those of other classifiers. */
    void scan(String text, List<Finding> out);
}
