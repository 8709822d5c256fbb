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
    private static final byte[] LOWER = new byte[128];

    static {
        for (int c = 1; c < 127; c++) { // 0 and DEL stand for "not ASCII": no keyword holds them
            LOWER[c] = (byte) (Chars.isUpper((char) c) ? c + 32 : c);
        }
    }

    private final long[] pairs = new long[(1 << BITS) / 64];
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
            if ((pairs[pair >>> 6] & (1L << pair)) != 0) {
                verify(text, i - 1, pair, hits);
            }
        }
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
