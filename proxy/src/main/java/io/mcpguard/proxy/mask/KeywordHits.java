package io.mcpguard.proxy.mask;

import java.util.Arrays;

/**
 * Where keywords occur in one text, in order of start, then keyword number: what a {@link KeywordPrefilter} pass
 * found, read by the classifiers that start from keywords. Immutable.
 */
final class KeywordHits {
    static final KeywordHits NONE = new KeywordHits(new long[0], 0);

    /** {@code start << 32 | keyword}, sorted: one long per hit, so that sorting them orders both. */
    private final long[] items;

    private final int count;

    /** @param items {@code start << 32 | keyword} per hit, sorted in its first {@code count} places */
    KeywordHits(long[] items, int count) {
        this.items = items;
        this.count = count;
    }

    int size() {
        return count;
    }

    int start(int hit) {
        return (int) (items[hit] >>> 32);
    }

    int keyword(int hit) {
        return (int) items[hit];
    }

    /**
     * The hits of the keywords {@code localOf} names, renumbered: {@code localOf[keyword]} is a keyword's number in
     * the result, or -1 to leave it out. What one classifier sees of a pass made for several.
     */
    KeywordHits translated(int[] localOf) {
        long[] kept = new long[count];
        int n = 0;
        for (int h = 0; h < count; h++) {
            int local = localOf[keyword(h)];
            if (local >= 0) {
                kept[n++] = ((long) start(h) << 32) | local;
            }
        }
        // Renumbering can reorder the keywords of one start; classifiers rely on that order.
        Arrays.sort(kept, 0, n);
        return new KeywordHits(kept, n);
    }
}
