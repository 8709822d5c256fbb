package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every classifier against its corpus: true positives it must find and near misses (UUIDs, hashes, base64 images,
 * versions, dates, placeholders, code) it must not. Prints the counts per classifier, so a change to a classifier
 * shows what it gained and what it started to catch by mistake.
 */
class ClassifierCorpusTest {
    static final List<String> INTERNAL_DOMAINS = List.of("internal", "intranet");
    private final SensitiveDataScanner scanner = SensitiveDataScanner.withDefaults(INTERNAL_DOMAINS);

    @Test
    void every_true_positive_is_found_and_no_near_miss_is() throws IOException {
        Map<String, int[]> counts = new TreeMap<>(); // classifier -> {found, missed, false positives}
        List<String> misses = new ArrayList<>();
        for (String line : lines("positives.tsv")) {
            String[] parts = line.split("\t", 2);
            String expected = parts[0];
            String text = unescape(parts[1]);
            boolean found =
                    scanner.scan(text).stream().anyMatch(f -> f.classifier().equals(expected));
            counts.computeIfAbsent(expected, k -> new int[3])[found ? 0 : 1]++;
            if (!found) {
                misses.add(expected + " missed in: " + text + " (found " + scanner.scan(text) + ")");
            }
        }
        List<String> falsePositives = new ArrayList<>();
        int negatives = 0;
        for (String line : lines("negatives.txt")) {
            String text = unescape(line);
            negatives++;
            for (Finding f : scanner.scan(text)) {
                counts.computeIfAbsent(f.classifier(), k -> new int[3])[2]++;
                falsePositives.add(f.classifier() + " in: " + text.substring(f.start(), f.end()) + "  <- " + text);
            }
        }

        System.out.printf("%-24s %6s %6s %6s%n", "classifier", "found", "missed", "false+");
        counts.forEach((name, c) -> System.out.printf("%-24s %6d %6d %6d%n", name, c[0], c[1], c[2]));
        System.out.printf("near misses checked: %d%n", negatives);

        assertThat(misses).as("true positives missed").isEmpty();
        assertThat(falsePositives).as("false positives on near misses").isEmpty();
        assertThat(counts.keySet())
                .as("every shipped classifier has positives in the corpus")
                .contains(
                        "aws-access-key",
                        "aws-secret-key",
                        "pem-private-key",
                        "gcp-api-key",
                        "github-token",
                        "gitlab-token",
                        "slack-token",
                        "slack-webhook",
                        "npm-token",
                        "atlassian-api-token",
                        "bitbucket-app-password",
                        "jwt",
                        "database-url-password",
                        "url-credentials",
                        "password-assignment",
                        "secret-assignment",
                        "azure-storage-key",
                        "email",
                        "phone",
                        "iban",
                        "payment-card",
                        "private-ip",
                        "private-ipv6",
                        "us-ssn",
                        "us-itin",
                        "internal-hostname");
        assertThat(counts.keySet())
                .as("every rule of the shipped rules file has positives in the corpus")
                .containsAll(RulesFile.defaults().rules().stream()
                        .map(PatternRule::id)
                        .toList());
    }

    @Test
    void overlapping_findings_keep_the_span_that_starts_first_and_is_longest() {
        String text = "-----BEGIN PRIVATE KEY-----\npassword=hunter2 AKIAIOSFODNN7EXAMPLE\n-----END PRIVATE KEY-----";

        List<Finding> findings = scanner.scan(text);

        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.classifier()).isEqualTo("pem-private-key");
            assertThat(f.start()).isZero();
            assertThat(f.end()).isEqualTo(text.length());
        });
    }

    @Test
    void luhn_and_iban_checksums_are_the_published_algorithms() {
        assertThat(NumberPatterns.luhn("4111111111111111")).isTrue();
        assertThat(NumberPatterns.luhn("4111111111111112")).isFalse();
        assertThat(IbanClassifier.mod97("DE89370400440532013000")).isEqualTo(1);
        assertThat(IbanClassifier.mod97("DE89370400440532013001")).isNotEqualTo(1);
    }

    static List<String> lines(String resource) throws IOException {
        try (InputStream in = ClassifierCorpusTest.class.getResourceAsStream("/mask-corpus/" + resource)) {
            assertThat(in).as(resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .toList();
        }
    }

    static String unescape(String text) {
        return text.replace("\\n", "\n");
    }
}
