package io.mcpguard.proxy.mask;

/**
 * Finds the maximal runs of characters of one set that are long enough and hold enough characters of a second,
 * counted set, without visiting every character: for classifiers whose findings are made of such characters only
 * (card and phone numbers: digits and separators; IBANs: capitals, digits and blanks). They run their own loop on
 * the runs found instead of on the whole text.
 *
 * <p>A finding is at least {@code minLength} long and never holds more than {@code gap} set characters in a row
 * that are not counted (a phone number never has three separators in a row). So the text is probed every {@code
 * minLength - gap} characters, at {@code gap + 1} characters each: a probe inside a finding's first places sees a
 * counted character, and ordinary text — prose, code, indentation — rarely offers one at every probe. Only where a
 * probe sees one is the run around it measured.
 */
final class LongRuns {
    private static final byte OUTSIDE = 0;
    private static final byte MEMBER = 1;
    private static final byte COUNTED = 2;

    /** By ASCII code: OUTSIDE, MEMBER, or COUNTED (a member that counts); nothing outside ASCII is a member. */
    private final byte[] kind = new byte[128];

    private final int minLength;
    private final int gap;
    private final int minCounted;
    private final int stride;

    /**
     * @param members the set, ASCII
     * @param counted members of which a run must hold at least {@code minCounted}
     * @param minLength the shortest run wanted
     * @param gap the most members in a row that are not counted in a finding
     */
    LongRuns(String members, String counted, int minLength, int gap, int minCounted) {
        if (gap < 0 || minLength - gap < 1) {
            throw new IllegalArgumentException("a run must be longer than its gaps");
        }
        for (char c : members.toCharArray()) {
            kind[c] = MEMBER;
        }
        for (char c : counted.toCharArray()) {
            if (kind[c] == OUTSIDE) {
                throw new IllegalArgumentException("a counted character is a member");
            }
            kind[c] = COUNTED;
        }
        this.minLength = minLength;
        this.gap = gap;
        this.minCounted = minCounted;
        this.stride = minLength - gap;
    }

    /** Receives a run: {@code text[start, end)}, every character a member, and the ones around it not. */
    interface Visitor {
        void visit(int start, int end);
    }

    /**
     * Calls {@code visitor}, in order, with each maximal run of members that is at least {@code minLength} long,
     * holds at least {@code minCounted} counted characters and has a counted one at a probe: every run that holds a
     * finding as the class comment describes it.
     */
    void forEach(char[] text, Visitor visitor) {
        int n = text.length;
        int done = 0; // runs before this are visited or ruled out
        for (int probe = 0; probe < n; probe += stride) {
            int at = counted(text, probe, Math.min(n, probe + gap + 1));
            if (at < 0) {
                continue;
            }
            int count = 1;
            int start = at;
            while (start > done && kindOf(text[start - 1]) != OUTSIDE) {
                start--;
                count += kindOf(text[start]) >> 1;
            }
            int end = at + 1;
            while (end < n && kindOf(text[end]) != OUTSIDE) {
                count += kindOf(text[end]) >> 1;
                end++;
            }
            if (end - start >= minLength && count >= minCounted) {
                visitor.visit(start, end);
            }
            done = end;
            // On to the first probe past this run: the probes stay on their grid, so each later finding still has one.
            probe += (end - 1 - probe) / stride * stride;
        }
    }

    /** The first counted character in {@code text[from, to)}, or -1. */
    private int counted(char[] text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (kindOf(text[i]) == COUNTED) {
                return i;
            }
        }
        return -1;
    }

    private int kindOf(char c) {
        return c < 128 ? kind[c] : OUTSIDE;
    }
}
