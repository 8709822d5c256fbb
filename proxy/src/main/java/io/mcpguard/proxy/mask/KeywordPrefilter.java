package io.mcpguard.proxy.mask;

import java.util.Arrays;
import java.util.List;

/**
 * Finds, in one pass over a text, where the rules' keywords occur (ASCII case ignored), so that a rule's pattern runs
 * only near its keywords and a text without any keyword costs one loop, however many rules there are.
 *
 * <p>The pass hashes each pair of adjacent characters (lower-cased, 7 bits each) into a 16,384-bit table of the
 * pairs keywords start with: two kilobytes, in the first-level cache, one load and one bit test per character. Only
 * where a pair is in the table are the keywords starting with it compared. Characters outside ASCII hash as 0 and
 * never start a keyword, which only costs a comparison.
 */
final class KeywordPrefilter {
    private static final int BITS = 14;
    private static final int QUAD_BITS = 1 << 16;
    private static final byte[] LOWER = new byte[128];

    static {
        for (int c = 1; c < 127; c++) { // 0 and DEL stand for "not ASCII": no keyword holds them
            LOWER[c] = (byte) (Chars.isUpper((char) c) ? c + 32 : c);
        }
    }

    private final long[] pairs = new long[(1 << BITS) / 64];
    /** Pairs that start a keyword of two or three characters: those are compared at every hit of the pair. */
    private final long[] shortPairs = new long[(1 << BITS) / 64];
    /**
     * A hash of the first four characters of the longer keywords: a pair hit is compared only when the next two
     * characters fit too. Common pairs ("re", "co", "pe") start keywords and hit everywhere in text and code.
     */
    private final long[] quads = new long[QUAD_BITS / 64];
    /** By pair: the indexes of the keywords starting with it. */
    private final int[][] byPair = new int[1 << BITS][];

    private final char[][] keywords;

    /** @param keywords lower-case ASCII, each at least two characters */
    KeywordPrefilter(List<String> keywords) {
        this.keywords = new char[keywords.size()][];
        for (int k = 0; k < keywords.size(); k++) {
            char[] word = keywords.get(k).toCharArray();
            this.keywords[k] = word;
            int pair = (word[0] << 7) | word[1];
            pairs[pair >>> 6] |= 1L << pair;
            if (word.length < 4) {
                shortPairs[pair >>> 6] |= 1L << pair;
            } else {
                int quad = quad(pair, (word[2] << 7) | word[3]);
                quads[quad >>> 6] |= 1L << quad;
            }
            int[] list = byPair[pair];
            list = list == null ? new int[1] : Arrays.copyOf(list, list.length + 1);
            list[list.length - 1] = k;
            byPair[pair] = list;
        }
    }

    /** Calls {@code hits} with every occurrence of a keyword in {@code text}, in order of position. */
    void scan(char[] text, Hits hits) {
        int n = text.length;
        int previous = 0;
        for (int i = 0; i < n; i++) {
            int current = LOWER[Math.min(text[i], 127)];
            int pair = (previous << 7) | current;
            previous = current;
            if ((pairs[pair >>> 6] & (1L << pair)) != 0 && mayStartKeyword(text, i, pair)) {
                verify(text, i - 1, pair, hits);
            }
        }
    }

    /** Whether a keyword may start at {@code i - 1}, whose pair is {@code pair}: a short one, or the quad fits. */
    private boolean mayStartKeyword(char[] text, int i, int pair) {
        if ((shortPairs[pair >>> 6] & (1L << pair)) != 0) {
            return true;
        }
        if (i + 2 >= text.length) {
            return false;
        }
        int next = (LOWER[Math.min(text[i + 1], 127)] << 7) | LOWER[Math.min(text[i + 2], 127)];
        int quad = quad(pair, next);
        return (quads[quad >>> 6] & (1L << quad)) != 0;
    }

    private static int quad(int pair, int next) {
        return (pair * 0x9E37 ^ next) & (QUAD_BITS - 1);
    }

    private void verify(char[] text, int start, int pair, Hits hits) {
        for (int k : byPair[pair]) {
            char[] word = keywords[k];
            if (start + word.length > text.length) {
                continue;
            }
            int j = 2;
            while (j < word.length && LOWER[Math.min(text[start + j], 127)] == word[j]) {
                j++;
            }
            if (j == word.length) {
                hits.found(k, start, start + word.length);
            }
        }
    }

    /** Receives keyword occurrences. */
    interface Hits {
        void found(int keyword, int start, int end);
    }
}
