package io.mcpguard.proxy.mask;

import java.util.Map;
import java.util.TreeMap;

/** How many spans were masked, per classifier: counts, never values, for the decision and audit path. */
public final class MaskCounts {
    private final Map<String, Integer> byClassifier = new TreeMap<>();
    private final Map<DataClass, Integer> byClass = new TreeMap<>();

    void add(Finding finding) {
        byClassifier.merge(finding.classifier(), 1, Integer::sum);
        byClass.merge(finding.dataClass(), 1, Integer::sum);
    }

    public Map<String, Integer> byClassifier() {
        return Map.copyOf(byClassifier);
    }

    public Map<DataClass, Integer> byClass() {
        return Map.copyOf(byClass);
    }

    public int total() {
        return byClass.values().stream().mapToInt(Integer::intValue).sum();
    }

    public boolean isEmpty() {
        return byClass.isEmpty();
    }
}
