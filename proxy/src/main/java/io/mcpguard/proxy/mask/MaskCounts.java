package io.mcpguard.proxy.mask;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** How many spans were masked, per classifier: counts, never values, for the decision and audit path. */
public final class MaskCounts {
    private final Map<String, Integer> byClassifier = new HashMap<>();
    private final Map<DataClass, Integer> byClass = new EnumMap<>(DataClass.class);

    void add(Finding finding) {
        byClassifier.merge(finding.classifier(), 1, Integer::sum);
        byClass.merge(finding.dataClass(), 1, Integer::sum);
    }

    /** Counts by classifier name, sorted by name. */
    public Map<String, Integer> byClassifier() {
        return java.util.Collections.unmodifiableMap(new TreeMap<>(byClassifier));
    }

    /** Counts by data class, in declaration order. */
    public Map<DataClass, Integer> byClass() {
        return java.util.Collections.unmodifiableMap(new EnumMap<>(byClass));
    }

    public int total() {
        return byClass.values().stream().mapToInt(Integer::intValue).sum();
    }

    public boolean isEmpty() {
        return byClass.isEmpty();
    }
}
