package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.mask.ArgumentClassifier;
import io.mcpguard.proxy.mask.MaskRules;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Request-side DLP for the policy input: what the proxy's classifiers found in a tool call's arguments, as policy
 * data-class names ({@code secret}, {@code personal_data}, {@code internal_infrastructure}) and classifier names.
 * Names only, never a value.
 *
 * @param classes the policy data classes found, sorted
 * @param classifiers the stable classifier names that matched, sorted
 */
public record ArgumentFindings(List<String> classes, List<String> classifiers) {
    public static final ArgumentFindings NONE = new ArgumentFindings(List.of(), List.of());

    public ArgumentFindings {
        classes = List.copyOf(classes);
        classifiers = List.copyOf(classifiers);
    }

    /** What {@code classifier} finds in a tool call's {@code arguments}, named as the policy names classes. */
    public static ArgumentFindings classify(ArgumentClassifier classifier, JsonNode arguments) {
        ArgumentClassifier.Classification found = classifier.classify(arguments);
        if (found.isEmpty()) {
            return NONE;
        }
        Set<String> classes = new TreeSet<>();
        found.dataClasses().forEach(c -> classes.add(MaskRules.policyClass(c)));
        return new ArgumentFindings(List.copyOf(classes), List.copyOf(found.classifiers()));
    }
}
