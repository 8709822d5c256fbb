package io.mcpguard.proxy.mask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link KeywordPrefilter} over the keywords of every {@link KeywordAnchored} classifier of a scanner, and how
 * each member's keyword numbers map into it. Built for the members' keyword lists as they are; a rules file reload
 * gives new lists, and the scanner builds a new pass. Immutable.
 */
final class KeywordPass {
    /** By classifier position: the keyword list the pass was built for, or null for a classifier without keywords. */
    private final List<?>[] keywordsOf;
    /** By classifier position: the union's keyword number → the member's, or -1; null without keywords. */
    private final int[][] localOf;

    private final KeywordPrefilter union;

    /** @param members by classifier position: its keyword-anchored form, or null */
    KeywordPass(KeywordAnchored[] members) {
        keywordsOf = new List<?>[members.length];
        localOf = new int[members.length][];
        List<String> all = new ArrayList<>();
        Map<String, Integer> numberOf = new HashMap<>();
        int[][] globalOf = new int[members.length][];
        for (int m = 0; m < members.length; m++) {
            if (members[m] == null) {
                continue;
            }
            List<String> keywords = members[m].keywords();
            keywordsOf[m] = keywords;
            globalOf[m] = new int[keywords.size()];
            for (int k = 0; k < keywords.size(); k++) {
                globalOf[m][k] = numberOf.computeIfAbsent(keywords.get(k), word -> {
                    all.add(word);
                    return all.size() - 1;
                });
            }
        }
        for (int m = 0; m < members.length; m++) {
            if (globalOf[m] != null) {
                localOf[m] = new int[all.size()];
                Arrays.fill(localOf[m], -1);
                for (int k = 0; k < globalOf[m].length; k++) {
                    localOf[m][globalOf[m][k]] = k;
                }
            }
        }
        union = new KeywordPrefilter(all);
    }

    /** Whether this pass was built for exactly these members' keyword lists (by identity: they are immutable). */
    boolean isFor(KeywordAnchored[] members) {
        if (members.length != keywordsOf.length) {
            return false;
        }
        for (int m = 0; m < members.length; m++) {
            if ((members[m] == null ? null : members[m].keywords()) != keywordsOf[m]) {
                return false;
            }
        }
        return true;
    }

    /** Every member's keywords in {@code text}, in the union's numbering. */
    KeywordHits find(char[] text) {
        return union.find(text);
    }

    /** What the member at {@code position} sees of {@code all}: its keywords, in its numbering. */
    KeywordHits hitsOf(int position, KeywordHits all) {
        return all.translated(localOf[position]);
    }
}
