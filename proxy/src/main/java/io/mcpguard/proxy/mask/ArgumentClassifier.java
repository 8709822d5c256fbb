package io.mcpguard.proxy.mask;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Request-side DLP: which kinds of sensitive data a tool call's arguments carry, so the policy can refuse a
 * {@code create_pull_request} whose description holds a secret. Reports names and classes, never values.
 */
public final class ArgumentClassifier {
    private final SensitiveDataScanner scanner;

    public ArgumentClassifier(SensitiveDataScanner scanner) {
        this.scanner = scanner;
    }

    /**
     * What the arguments carry.
     *
     * @param classifiers stable classifier names found, in sorted order (e.g. {@code aws-access-key})
     * @param dataClasses the data classes found
     */
    public record Classification(Set<String> classifiers, Set<DataClass> dataClasses) {
        public Classification {
            classifiers = Collections.unmodifiableSortedSet(new TreeSet<>(classifiers));
            dataClasses = dataClasses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(dataClasses));
        }

        public boolean isEmpty() {
            return classifiers.isEmpty();
        }
    }

    public Classification classify(JsonNode arguments) {
        Set<String> names = new TreeSet<>();
        Set<DataClass> classes = EnumSet.noneOf(DataClass.class);
        visit(arguments, names, classes);
        return new Classification(names, classes);
    }

    private void visit(JsonNode node, Set<String> names, Set<DataClass> classes) {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            for (Finding finding : scanner.scan(node.asText())) {
                names.add(finding.classifier());
                classes.add(finding.dataClass());
            }
        } else if (node.isContainerNode()) {
            node.forEach(child -> visit(child, names, classes));
        }
    }
}
