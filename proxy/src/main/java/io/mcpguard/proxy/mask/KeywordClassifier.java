package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * A classifier that starts from keywords. In a scanner it is served by the scanner's one keyword pass (see {@link
 * KeywordAnchored}); alone, it makes its own pass over its keywords. Either way the same hits reach {@link
 * #scan(String, char[], KeywordHits, List)}, the one place a subclass finds its spans.
 */
abstract class KeywordClassifier implements Classifier, KeywordAnchored {
    private final List<String> keywords;
    private final KeywordPrefilter ownPass;

    /** @param keywords lower-case printable ASCII, distinct; found in any ASCII case */
    KeywordClassifier(List<String> keywords) {
        this.keywords = List.copyOf(keywords);
        this.ownPass = new KeywordPrefilter(this.keywords);
    }

    @Override
    public final List<String> keywords() {
        return keywords;
    }

    @Override
    public final KeywordAnchored anchored() {
        return this;
    }

    @Override
    public final void scan(String text, char[] chars, List<Finding> out) {
        scan(text, chars, ownPass.find(chars), out);
    }
}
