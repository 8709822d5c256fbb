package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * The rules of a rules file as one classifier. The rules can be swapped while answers are being scanned (a reload):
 * each scan reads the current set once and uses it throughout.
 */
public final class PatternRuleClassifier implements Classifier {
    private volatile PatternRules rules;

    public PatternRuleClassifier(PatternRules rules) {
        this.rules = rules;
    }

    /** Uses {@code next} for every scan that starts from now on. */
    public void replace(PatternRules next) {
        this.rules = next;
    }

    public int size() {
        return rules.rules().size();
    }

    @Override
    public void scan(String text, char[] chars, List<Finding> out) {
        rules.scan(text, chars, out);
    }

    /** The rules as they are now: a scan that uses this keeps them, whatever a reload does meanwhile. */
    @Override
    public KeywordAnchored anchored() {
        return rules;
    }
}
