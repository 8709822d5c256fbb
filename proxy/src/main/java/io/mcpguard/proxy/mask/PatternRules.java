package io.mcpguard.proxy.mask;

import com.google.re2j.Matcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A loaded set of {@link PatternRule}s, ready to scan: the rules and one {@link KeywordPrefilter} over all their
 * keywords. Immutable; a reload builds a new one.
 *
 * <p>A rule's pattern runs on windows of the text around its keyword hits: the line the keyword is on, from
 * {@value #BEFORE} characters before the keyword to {@value #AFTER} after it, each end moved on to the next blank so
 * that a long token is never cut (overlapping windows merged). Token formats and "keyword: value" shapes fit in that;
 * a pattern that spans lines does not (PEM blocks are found by their own classifiers). The windows are kept small on
 * purpose: RE2/J runs in time linear in the window, but at tens of megabytes a second, so the window, not the
 * text, is what a rule costs.
 */
public final class PatternRules implements KeywordAnchored {
    static final int BEFORE = 64;
    static final int AFTER = 192;
    /** How far a window's end may move on to reach a blank: past it, the token is cut (and masked up to there). */
    private static final int TOKEN_REACH = 4096;

    private final List<PatternRule> rules;
    private final List<String> keywords;
    private final KeywordPrefilter prefilter;
    /** By keyword index: the rules that keyword belongs to. */
    private final int[][] rulesOfKeyword;
    /** Rules without keywords: they run over the whole text. */
    private final int[] unfiltered;

    PatternRules(List<PatternRule> rules) {
        this.rules = List.copyOf(rules);
        List<String> keywords = new ArrayList<>();
        List<List<Integer>> owners = new ArrayList<>();
        List<Integer> everywhere = new ArrayList<>();
        for (int r = 0; r < this.rules.size(); r++) {
            PatternRule rule = this.rules.get(r);
            if (rule.keywords().isEmpty()) {
                everywhere.add(r);
            }
            for (String keyword : rule.keywords()) {
                int k = keywords.indexOf(keyword);
                if (k < 0) {
                    k = keywords.size();
                    keywords.add(keyword);
                    owners.add(new ArrayList<>());
                }
                if (!owners.get(k).contains(r)) {
                    owners.get(k).add(r);
                }
            }
        }
        this.keywords = List.copyOf(keywords);
        this.prefilter = new KeywordPrefilter(keywords);
        this.rulesOfKeyword = owners.stream()
                .map(o -> o.stream().mapToInt(Integer::intValue).toArray())
                .toArray(int[][]::new);
        this.unfiltered = everywhere.stream().mapToInt(Integer::intValue).toArray();
    }

    static PatternRules none() {
        return new PatternRules(List.of());
    }

    List<PatternRule> rules() {
        return rules;
    }

    @Override
    public List<String> keywords() {
        return keywords;
    }

    void scan(String text, char[] chars, List<Finding> out) {
        if (!rules.isEmpty()) {
            scan(text, chars, prefilter.find(chars), out);
        }
    }

    @Override
    public void scan(String text, char[] chars, KeywordHits hits, List<Finding> out) {
        if (rules.isEmpty()) {
            return;
        }
        // Per rule, the end of its last window: a hit inside it extends the window instead of opening a new one.
        int[] windowStart = new int[rules.size()];
        int[] windowEnd = new int[rules.size()];
        Arrays.fill(windowEnd, -1);
        for (int h = 0; h < hits.size(); h++) {
            int keyword = hits.keyword(h);
            int start = hits.start(h);
            int from = lineStart(chars, start);
            int to = lineEnd(chars, start + keywords.get(keyword).length());
            for (int r : rulesOfKeyword[keyword]) {
                if (windowEnd[r] >= from) {
                    windowEnd[r] = Math.max(windowEnd[r], to);
                } else {
                    if (windowEnd[r] >= 0) {
                        match(rules.get(r), text, windowStart[r], windowEnd[r], out);
                    }
                    windowStart[r] = from;
                    windowEnd[r] = to;
                }
            }
        }
        for (int r = 0; r < rules.size(); r++) {
            if (windowEnd[r] >= 0) {
                match(rules.get(r), text, windowStart[r], windowEnd[r], out);
            }
        }
        for (int r : unfiltered) {
            match(rules.get(r), text, 0, text.length(), out);
        }
    }

    /** The window's start for a keyword at {@code from}: the line's start, or a blank at most about BEFORE back. */
    private static int lineStart(char[] chars, int from) {
        int i = from;
        int stop = Math.max(0, from - BEFORE);
        while (i > stop && chars[i - 1] != '\n') {
            i--;
        }
        int reach = Math.max(0, i - TOKEN_REACH);
        while (i > reach && chars[i - 1] != '\n' && !Character.isWhitespace(chars[i - 1])) {
            i--;
        }
        return i;
    }

    /** The window's end for a keyword ending at {@code from}: the line's end, or a blank past AFTER. */
    private static int lineEnd(char[] chars, int from) {
        int i = from;
        int stop = Math.min(chars.length, from + AFTER);
        while (i < stop && chars[i] != '\n') {
            i++;
        }
        int reach = Math.min(chars.length, i + TOKEN_REACH);
        while (i < reach && chars[i] != '\n' && !Character.isWhitespace(chars[i])) {
            i++;
        }
        return i;
    }

    private static void match(PatternRule rule, String text, int from, int to, List<Finding> out) {
        String window = text.substring(from, to);
        Matcher m = rule.pattern().matcher(window);
        int at = 0;
        while (at <= window.length() && m.find(at)) {
            int group = secretGroup(rule, m);
            int start = m.start(group);
            int end = m.end(group);
            at = m.end() > m.start() ? m.end() : m.end() + 1;
            if (end <= start) {
                continue;
            }
            String secret = window.substring(start, end);
            if (accepted(rule, secret, m.group(), window, m.start(), m.end())) {
                out.add(new Finding(from + start, from + end, rule.id(), rule.dataClass()));
            }
        }
    }

    /** gitleaks' choice: the configured group, else the first group that matched, else the whole match. */
    private static int secretGroup(PatternRule rule, Matcher m) {
        if (rule.secretGroup() > 0 && rule.secretGroup() <= m.groupCount() && m.start(rule.secretGroup()) >= 0) {
            return rule.secretGroup();
        }
        for (int g = 1; g <= m.groupCount(); g++) {
            if (m.start(g) >= 0 && m.end(g) > m.start(g)) {
                return g;
            }
        }
        return 0;
    }

    private static boolean accepted(
            PatternRule rule, String secret, String match, String window, int matchStart, int matchEnd) {
        if (rule.entropy() > 0 && Chars.entropy(secret, 0, secret.length()) <= rule.entropy()) {
            return false;
        }
        if (rule.check() != null && !rule.check().test(secret)) {
            return false;
        }
        if (!rule.stopwords().isEmpty()) {
            String lower = secret.toLowerCase(Locale.ROOT);
            for (String stopword : rule.stopwords()) {
                if (lower.contains(stopword)) {
                    return false;
                }
            }
        }
        if (!rule.allowPatterns().isEmpty()) {
            String target = switch (rule.allowTarget()) {
                case SECRET -> secret;
                case MATCH -> match;
                case LINE -> line(window, matchStart, matchEnd);
            };
            for (com.google.re2j.Pattern allow : rule.allowPatterns()) {
                if (allow.matcher(target).find()) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String line(String window, int start, int end) {
        int from = window.lastIndexOf('\n', Math.max(0, start - 1)) + 1;
        int to = window.indexOf('\n', end);
        return window.substring(from, to < 0 ? window.length() : to);
    }
}
