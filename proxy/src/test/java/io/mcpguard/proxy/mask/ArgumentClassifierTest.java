package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArgumentClassifierTest {
    private final ArgumentClassifier classifier =
            new ArgumentClassifier(SensitiveDataScanner.withDefaults(List.of("internal")));

    @Test
    void a_pull_request_description_carrying_a_secret_is_classified_without_its_value() throws Exception {
        var arguments = new ObjectMapper().readTree("""
                {"workspace":"acme","repo":"payments-api","title":"Fix refunds",
                 "description":"Tested with aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, ping ravi@globex.io",
                 "reviewers":["{a1b2c3}"],"draft":false}""");

        ArgumentClassifier.Classification found = classifier.classify(arguments);

        assertThat(found.classifiers()).containsExactly("aws-secret-key", "email");
        assertThat(found.dataClasses()).containsExactlyInAnyOrder(DataClass.SECRETS, DataClass.PERSONAL_DATA);
        assertThat(found.toString()).doesNotContain("wJalrXUtnFEMI");
    }

    @Test
    void ordinary_arguments_carry_nothing() throws Exception {
        var arguments = new ObjectMapper().readTree("""
                {"workspace":"acme","repo":"payments-api","pr_id":7,"path":"src/main/java/Payment.java"}""");

        assertThat(classifier.classify(arguments).isEmpty()).isTrue();
    }
}
