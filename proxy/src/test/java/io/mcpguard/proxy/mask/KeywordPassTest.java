package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.bench.MixedText;
import io.mcpguard.proxy.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The scanner's one keyword pass for every keyword-anchored classifier: each classifier finds from the shared hits
 * exactly what it finds from its own pass, and a rules file reload is seen by the next scan.
 */
class KeywordPassTest {

    @Test
    void everyAnchoredClassifierFindsFromTheSharedPassWhatItFindsAlone() {
        SensitiveDataScanner scanner = SensitiveDataScanner.withDefaults(List.of("internal", "corp.example.com"));
        String text = MixedText.of(Tools.repo(), 1 << 18, true, scanner)
                + " db-1.corp.example.com eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"
                + " 192.168.10.20 postgres://app:s3cr3t-Pa55@db:5432/app AKIAABCDEFGHIJKLMNOP";
        char[] chars = text.toCharArray();
        List<Classifier> classifiers = scanner.classifiers();
        KeywordAnchored[] members = new KeywordAnchored[classifiers.size()];
        for (int c = 0; c < members.length; c++) {
            members[c] = classifiers.get(c).anchored();
        }
        KeywordPass pass = new KeywordPass(members);
        KeywordHits all = pass.find(chars);
        int anchored = 0;
        int found = 0;
        for (int c = 0; c < members.length; c++) {
            if (members[c] == null) {
                continue;
            }
            anchored++;
            List<Finding> shared = new ArrayList<>();
            members[c].scan(text, chars, pass.hitsOf(c, all), shared);
            List<Finding> alone = new ArrayList<>();
            classifiers.get(c).scan(text, chars, alone);
            assertThat(shared).as(classifiers.get(c).getClass().getSimpleName()).isEqualTo(alone);
            found += alone.size();
        }
        assertThat(anchored).as("classifiers that start from keywords").isGreaterThanOrEqualTo(9);
        assertThat(found).as("findings, so that the comparison means something").isGreaterThan(50);
    }

    @Test
    void aReloadedRulesFileIsUsedByTheNextScan() {
        PatternRuleClassifier rules = new PatternRuleClassifier(PatternRules.none());
        SensitiveDataScanner scanner = SensitiveDataScanner.withDefaults(List.of(), rules);
        String text = "config: zqx_0123456789abcdef0123 done";
        assertThat(scanner.scan(text)).extracting(Finding::classifier).doesNotContain("team-token");

        String toml = """
                [[rules]]
                id = "team-token"
                regex = '''zqx_[0-9a-f]{20}'''
                keywords = ["zqx_"]
                """;
        rules.replace(RulesFile.withDefaults(RulesFile.parse("test", toml.getBytes(StandardCharsets.UTF_8))));

        assertThat(scanner.scan(text)).extracting(Finding::classifier).contains("team-token");
    }

    @Test
    void hitsRenumberedForOneMemberKeepTheirOrderByStartThenKeyword() {
        // Union numbers 0..2; the member knows "b" as 0 and "a" as 1: at one start, its order is by its numbers.
        KeywordHits all = new KeywordHits(new long[] {(5L << 32) | 0, (5L << 32) | 1, (7L << 32) | 2}, 3);
        KeywordHits member = all.translated(new int[] {1, 0, -1});
        assertThat(member.size()).isEqualTo(2);
        assertThat(List.of(member.start(0), member.keyword(0), member.start(1), member.keyword(1)))
                .containsExactly(5, 0, 5, 1);
    }
}
