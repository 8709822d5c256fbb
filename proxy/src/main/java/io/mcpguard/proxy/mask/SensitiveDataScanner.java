package io.mcpguard.proxy.mask;

import io.mcpguard.proxy.mask.PrefixedTokenClassifier.Alphabet;
import io.mcpguard.proxy.mask.PrefixedTokenClassifier.Format;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs every classifier over a text and returns its sensitive spans in order, without overlaps. Where two
 * classifiers claim overlapping text, the span that starts first wins, and of two starting together the longer:
 * a PEM block swallows the base64 inside it, a database URL's password is not also a "secret assignment". A span
 * that starts inside a kept one but ends after it keeps its tail, so overlaps never unmask anything.
 * Thread-safe.
 */
public final class SensitiveDataScanner {
    private static final Comparator<Finding> ORDER = Comparator.comparingInt(Finding::start)
            .thenComparing(Comparator.comparingInt(Finding::length).reversed());

    private final List<Classifier> classifiers;
    /** The keyword pass for the keyword-anchored classifiers as last seen; rebuilt after a rules file reload. */
    private volatile KeywordPass keywordPass;

    SensitiveDataScanner(List<Classifier> classifiers) {
        this.classifiers = List.copyOf(classifiers);
    }

    /**
     * Every classifier this product ships.
     *
     * @param internalDomains the organisation's internal DNS suffixes, e.g. {@code internal}, {@code corp.acme.com}
     */
    public static SensitiveDataScanner withDefaults(List<String> internalDomains) {
        return withDefaults(internalDomains, new PatternRuleClassifier(RulesFile.defaults()));
    }

    /**
     * Every classifier this product ships, with the pattern rules of a rules file (see {@link RulesFile}) in place
     * of the project's own.
     *
     * @param rules the rules file's rules; a reload swaps them in this classifier, and this scanner sees it
     */
    public static SensitiveDataScanner withDefaults(List<String> internalDomains, PatternRuleClassifier rules) {
        List<Classifier> all = new ArrayList<>();
        all.add(new PemPrivateKeyClassifier());
        all.add(new PemBodyClassifier());
        all.add(new PrefixedTokenClassifier(List.of(
                // AWS long-term and temporary access key ids
                new Format("aws-access-key", List.of("AKIA"), Alphabet.UPPER_ALNUM, 16, 16),
                new Format("aws-access-key", List.of("ASIA"), Alphabet.UPPER_ALNUM, 16, 16),
                new Format("gcp-api-key", List.of("AIza"), Alphabet.BASE64URL, 35, 35),
                new Format("github-token", List.of("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), Alphabet.ALNUM, 36, 255),
                new Format("github-token", List.of("github_pat_"), Alphabet.BASE64URL, 40, 255),
                new Format("gitlab-token", List.of("glpat-"), Alphabet.BASE64URL, 20, 64),
                new Format(
                        "slack-token",
                        List.of("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"),
                        Alphabet.BASE64URL,
                        10,
                        255),
                new Format("slack-webhook", List.of("https://hooks.slack.com/services/"), Alphabet.PATH, 20, 128),
                new Format("npm-token", List.of("npm_"), Alphabet.ALNUM, 36, 36),
                new Format("atlassian-api-token", List.of("ATATT3", "ATCTT3"), Alphabet.BASE64URL_PADDED, 40, 512),
                new Format("bitbucket-app-password", List.of("ATBB"), Alphabet.ALNUM, 28, 40))));
        all.add(new JwtClassifier());
        // Before the generic classifiers: a span a rule and a generic classifier both claim keeps the rule's name
        // (the sort below is stable), so "api_key = sk_live_…" is reported as stripe-secret-key.
        all.add(rules);
        all.add(new UrlCredentialsClassifier());
        all.add(new KeywordAssignmentClassifier());
        all.add(new EmailClassifier());
        all.add(new NumberPatterns());
        all.add(new IbanClassifier());
        all.add(new PrivateAddressClassifier());
        all.add(new PrivateIpv6Classifier());
        if (!internalDomains.isEmpty()) {
            all.add(new InternalHostClassifier(internalDomains));
        }
        return new SensitiveDataScanner(all);
    }

    List<Classifier> classifiers() {
        return classifiers;
    }

    /** The sensitive spans of {@code text}, ordered by position and not overlapping. */
    public List<Finding> scan(String text) {
        List<Finding> found = new ArrayList<>();
        char[] chars = text.toCharArray(); // one copy for every classifier's character loops: see Classifier
        KeywordAnchored[] anchored = new KeywordAnchored[classifiers.size()];
        for (int c = 0; c < anchored.length; c++) {
            anchored[c] = classifiers.get(c).anchored(); // read once: a reload meanwhile waits for the next scan
        }
        KeywordPass pass = keywordPass;
        if (pass == null || !pass.isFor(anchored)) {
            pass = new KeywordPass(anchored);
            keywordPass = pass;
        }
        KeywordHits hits = pass.find(chars);
        // In the classifiers' order, whichever way each runs: ties between findings are kept in that order (below).
        for (int c = 0; c < anchored.length; c++) {
            if (anchored[c] != null) {
                anchored[c].scan(text, chars, pass.hitsOf(c, hits), found);
            } else {
                classifiers.get(c).scan(text, chars, found);
            }
        }
        if (found.size() <= 1) {
            return found;
        }
        found.sort(ORDER);
        List<Finding> kept = new ArrayList<>(found.size());
        int coveredTo = -1;
        for (Finding finding : found) {
            if (finding.start() >= coveredTo) {
                kept.add(finding);
                coveredTo = finding.end();
            } else if (finding.end() > coveredTo) {
                // It starts inside a kept span and runs past it: its tail is kept too. Dropping it whole would pass
                // the rest in clear, e.g. a private key block whose BEGIN line an unquoted assignment ran into.
                kept.add(new Finding(coveredTo, finding.end(), finding.classifier(), finding.dataClass()));
                coveredTo = finding.end();
            }
        }
        return kept;
    }
}
