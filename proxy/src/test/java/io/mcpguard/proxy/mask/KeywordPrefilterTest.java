package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The keyword automaton against the plainest search there is: at every position, every keyword compared character
 * by character with ASCII case folded. Hits must be the same, in the same order (by start, then keyword).
 */
class KeywordPrefilterTest {

    @Test
    void findsEveryKeywordAtEveryPositionLikeANaiveSearch() {
        List<String> keywords = List.of("ab", "abc", "bc", "b", "abcab", "cabx", "x~", "a b", "\"k\"");
        Random random = new Random(11);
        String alphabet = "abcABCx~ \"kK\u212A\u0130-";
        for (int round = 0; round < 2000; round++) {
            // Short texts are walked in one piece, long ones as four quarters side by side: both, and the lengths
            // where one becomes the other.
            char[] text = new char[round % 2 == 0 ? random.nextInt(40) : 60 + random.nextInt(200)];
            for (int i = 0; i < text.length; i++) {
                text[i] = alphabet.charAt(random.nextInt(alphabet.length()));
            }
            assertThat(hits(keywords, text)).as(new String(text)).isEqualTo(naive(keywords, text));
        }
    }

    @Test
    void findsTheDefaultRulesKeywordsInTheirCorpusAndAtBothEnds() throws IOException {
        List<String> keywords = defaultKeywords();
        StringBuilder text = new StringBuilder();
        for (String k : keywords) {
            text.append(k.toUpperCase(Locale.ROOT)).append(k).append("\u2014");
        }
        char[] chars = text.toString().toCharArray();
        List<String> expected = naive(keywords, chars);
        assertThat(expected).hasSizeGreaterThanOrEqualTo(2 * keywords.size());
        assertThat(hits(keywords, chars)).isEqualTo(expected);

        String first = keywords.get(0);
        char[] edges = (first + " filler " + first.toUpperCase(Locale.ROOT)).toCharArray();
        assertThat(hits(List.of(first), edges))
                .containsExactly("0:" + first, (edges.length - first.length()) + ":" + first);
    }

    @Test
    void withoutCaseFoldingFindsExactlyWhatAnExactSearchFinds() {
        List<String> prefixes = List.of("AKIA", "ghp_", "gh", "ATATT3", "ATBB", "AT");
        Random random = new Random(12);
        String alphabet = "AKIakighp_TB3 ";
        for (int round = 0; round < 2000; round++) {
            char[] text = new char[random.nextInt(40)];
            for (int i = 0; i < text.length; i++) {
                text[i] = alphabet.charAt(random.nextInt(alphabet.length()));
            }
            List<String> expected = new ArrayList<>();
            String plain = new String(text);
            for (int start = 0; start < text.length; start++) {
                for (String p : prefixes) {
                    if (plain.startsWith(p, start)) {
                        expected.add(start + ":" + p);
                    }
                }
            }
            List<String> found = new ArrayList<>();
            scan(new KeywordPrefilter(prefixes, false), text, (k, start) -> found.add(start + ":" + prefixes.get(k)));
            assertThat(found).as(plain).isEqualTo(expected);
        }
    }

    @Test
    void findsAKeywordAtEveryPositionOfTextsOfEveryLength() throws IOException {
        // A long text is walked as four quarters side by side: a keyword across a boundary, at either end of a
        // quarter, or in a text shorter than the keyword must still be found, once.
        List<String> keywords = defaultKeywords();
        // The longest keyword with no other inside it, so that exactly one is found.
        String longest = keywords.stream()
                .filter(k -> keywords.stream().noneMatch(other -> !other.equals(k) && k.contains(other)))
                .max(Comparator.comparingInt(String::length))
                .orElseThrow();
        for (String keyword : List.of("q~", "sk-ant-", "age-secret-key-1", longest)) {
            int k = keywords.indexOf(keyword);
            KeywordPrefilter automaton = new KeywordPrefilter(keywords);
            int quartered = 4 * keywords.stream().mapToInt(String::length).max().orElseThrow() + 64;
            for (int length = keyword.length(); length <= quartered + 2 * keyword.length() + 8; length++) {
                if (length > 3 * keyword.length() + 4 && length < quartered - 2) {
                    continue; // nothing new between the short texts and the first quartered ones
                }
                for (int at = 0; at + keyword.length() <= length; at++) {
                    char[] text = ".".repeat(length).toCharArray();
                    keyword.toUpperCase(Locale.ROOT).getChars(0, keyword.length(), text, at);
                    List<String> found = new ArrayList<>();
                    scan(automaton, text, (hit, start) -> found.add(start + ":" + hit));
                    assertThat(found).as("%s at %d of %d", keyword, at, length).containsExactly(at + ":" + k);
                }
            }
        }
    }

    @Test
    void overlappingKeywordsEachReportedSortedByStart() {
        // "bcd" ends first but starts after "abcde"; callers merge windows by start.
        assertThat(hits(List.of("bcd", "abcde", "cd", "abcdef"), "xabcdefx".toCharArray()))
                .containsExactly("1:abcde", "1:abcdef", "2:bcd", "3:cd");
    }

    @Test
    void foldsAsciiCaseOnly() {
        List<String> keywords = List.of("ki", "sk-ant-");
        assertThat(hits(keywords, "KI Ki kI ki SK-ANT- Sk-Ant-".toCharArray()))
                .containsExactly("0:ki", "3:ki", "6:ki", "9:ki", "12:sk-ant-", "20:sk-ant-");
        // The Kelvin sign and the dotted capital I lower-case to ASCII in Java, but are not ASCII letters.
        assertThat(hits(keywords, "\u212Ai k\u0130".toCharArray())).isEmpty();
    }

    @Test
    void textWithoutKeywordsAndNoKeywordsAtAll() {
        assertThat(hits(List.of("plaid"), "pla pl plai laid".toCharArray())).isEmpty();
        assertThat(hits(List.of(), "anything".toCharArray())).isEmpty();
    }

    @Test
    void refusesKeywordsOutsideLowerCasePrintableAscii() {
        assertThatThrownBy(() -> new KeywordPrefilter(List.of("Upper"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeywordPrefilter(List.of("del\u007f")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeywordPrefilter(List.of("caf\u00e9")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<String> hits(List<String> keywords, char[] text) {
        List<String> out = new ArrayList<>();
        scan(new KeywordPrefilter(keywords), text, (k, start) -> out.add(start + ":" + keywords.get(k)));
        return out;
    }

    /** Receives the automaton's hits one by one. */
    private interface Hits {
        void found(int keyword, int start);
    }

    /** Every hit of {@code automaton} in {@code text}, in the order it reports them (by start, then keyword). */
    private static void scan(KeywordPrefilter automaton, char[] text, Hits hits) {
        KeywordHits found = automaton.find(text);
        for (int h = 0; h < found.size(); h++) {
            hits.found(found.keyword(h), found.start(h));
        }
    }

    /** Every (start, keyword) where the keyword occurs, ASCII case ignored, by start then keyword index. */
    private static List<String> naive(List<String> keywords, char[] text) {
        List<String> out = new ArrayList<>();
        for (int start = 0; start < text.length; start++) {
            for (String k : keywords) {
                if (start + k.length() <= text.length && equalsFolded(text, start, k)) {
                    out.add(start + ":" + k);
                }
            }
        }
        return out;
    }

    private static boolean equalsFolded(char[] text, int start, String keyword) {
        for (int j = 0; j < keyword.length(); j++) {
            char c = text[start + j];
            char lower = Chars.isUpper(c) ? (char) (c + 32) : c;
            if (lower != keyword.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> defaultKeywords() throws IOException {
        LinkedHashSet<String> all = new LinkedHashSet<>();
        for (PatternRule rule : RulesFile.defaults().rules()) {
            all.addAll(rule.keywords());
        }
        assertThat(all).hasSizeGreaterThan(100);
        return List.copyOf(all);
    }
}
