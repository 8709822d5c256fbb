package io.mcpguard.proxy.mask;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * What to mask in one answer, and how: the data classes the decision named, a style per class, and the tenant
 * whose key the {@link MaskStyle#HASH} style uses.
 *
 * @param classes the data classes to mask; classes not named pass unmasked (the policy allowed them)
 * @param styles a style per class; classes without one use {@link MaskStyle#REDACT}
 * @param tenant the tenant for keyed hashes; null hashes under the shared key
 */
public record MaskRule(Set<DataClass> classes, Map<DataClass, MaskStyle> styles, String tenant) {
    public static final MaskRule NOTHING = new MaskRule(Set.of(), Map.of(), null);

    public MaskRule {
        classes = classes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(classes));
        styles = styles.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(styles));
    }

    public static MaskRule all(MaskStyle style) {
        Map<DataClass, MaskStyle> styles = new EnumMap<>(DataClass.class);
        for (DataClass c : DataClass.values()) {
            styles.put(c, style);
        }
        return new MaskRule(EnumSet.allOf(DataClass.class), styles, null);
    }

    MaskStyle styleOf(DataClass dataClass) {
        return styles.getOrDefault(dataClass, MaskStyle.REDACT);
    }
}
