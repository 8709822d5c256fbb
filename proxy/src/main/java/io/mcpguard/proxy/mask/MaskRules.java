package io.mcpguard.proxy.mask;

import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one place where the policy's data-class names become the engine's {@link DataClass}es and styles.
 *
 * <p>A decision's {@code mask} lists policy classes the subject may not see unmasked. Three of them have patterns
 * to find: {@code secret} (keys, tokens, private keys, passwords, and credentials in URLs: {@link
 * DataClass#SECRETS} and {@link DataClass#CREDENTIALS}), {@code personal_data} ({@link DataClass#PERSONAL_DATA})
 * and {@code internal_infrastructure} ({@link DataClass#INTERNAL_INFRASTRUCTURE}). The others
 * ({@code source_code}, {@code pr_metadata}, {@code repository_metadata}) describe what a tool returns, not a
 * pattern in it: the masker ignores them, and a policy that wants them hidden must deny the call instead.
 */
public final class MaskRules {
    private final Map<DataClass, MaskStyle> styles;

    /** @param styles the style per policy class name ({@code secret} → {@code hash}…); unnamed classes redact */
    public MaskRules(Map<String, String> styles) {
        Map<DataClass, MaskStyle> byClass = new EnumMap<>(DataClass.class);
        styles.forEach((policyClass, style) -> {
            MaskStyle parsed = MaskStyle.valueOf(style.toUpperCase(Locale.ROOT));
            for (DataClass dataClass : engineClasses(policyClass)) {
                byClass.put(dataClass, parsed);
            }
        });
        this.styles = Map.copyOf(byClass);
    }

    /** Every class masked with {@link MaskStyle#REDACT}: what the tests and a proxy without config use. */
    public static MaskRules redactAll() {
        return new MaskRules(Map.of());
    }

    /**
     * The rule for one answer.
     *
     * @param mask the decision's {@code mask}: policy class names; unknown and pattern-less names are ignored
     * @param tenant the subject's tenant, whose key the hash style uses; may be null
     */
    public MaskRule fromPolicy(Collection<String> mask, String tenant) {
        Set<DataClass> classes = EnumSet.noneOf(DataClass.class);
        for (String policyClass : mask) {
            classes.addAll(engineClasses(policyClass));
        }
        if (classes.isEmpty()) {
            return MaskRule.NOTHING;
        }
        return new MaskRule(classes, styles, tenant);
    }

    /** The policy class name of an engine class: what request-side DLP reports to the policy. */
    public static String policyClass(DataClass dataClass) {
        return switch (dataClass) {
            case SECRETS, CREDENTIALS -> "secret";
            case PERSONAL_DATA -> "personal_data";
            case INTERNAL_INFRASTRUCTURE -> "internal_infrastructure";
        };
    }

    /** The policy classes a rules file's rule can put its findings in. */
    static final List<String> FINDING_CLASSES = List.of("secret", "personal_data", "internal_infrastructure");

    /**
     * The engine class of a finding a rules file's rule reports under {@code policyClass}, or null for a class
     * without patterns. A {@code secret} rule reports {@link DataClass#SECRETS}: masked wherever {@code secret} is.
     */
    static DataClass findingClass(String policyClass) {
        return switch (policyClass) {
            case "secret" -> DataClass.SECRETS;
            case "personal_data" -> DataClass.PERSONAL_DATA;
            case "internal_infrastructure" -> DataClass.INTERNAL_INFRASTRUCTURE;
            default -> null;
        };
    }

    static List<DataClass> engineClasses(String policyClass) {
        return switch (policyClass) {
            case "secret" -> List.of(DataClass.SECRETS, DataClass.CREDENTIALS);
            case "personal_data" -> List.of(DataClass.PERSONAL_DATA);
            case "internal_infrastructure" -> List.of(DataClass.INTERNAL_INFRASTRUCTURE);
            default -> List.of(); // source_code, pr_metadata, repository_metadata: nothing to find by pattern
        };
    }
}
