package io.mcpguard.proxy.mask;

/**
 * Finds the maximal runs of characters of one set that are at least {@code minLength} long, looking at one character
 * in {@code minLength}: every such run holds one of the characters looked at, and a character outside the set rules
 * out the {@code minLength - 1} places before it and after it at once. For classifiers whose findings are made of
 * such characters only and are never shorter (card and phone numbers, IBANs): they run their own loop on the runs
 * found instead of on every character of the text.
 */
final class LongRuns {
    /** By ASCII code: whether the character is in the set; nothing outside ASCII is. */
    private final boolean[] member = new boolean[128];

    private final int minLength;

    /** @param characters the set, ASCII */
    LongRuns(String characters, int minLength) {
        if (minLength < 1) {
            throw new IllegalArgumentException("a run is at least one character long");
        }
        for (char c : characters.toCharArray()) {
            member[c] = true;
        }
        this.minLength = minLength;
    }

    /** Receives a run: {@code text[start, end)}, every character in the set, and the ones around it not. */
    interface Visitor {
        void visit(int start, int end);
    }

    /** Calls {@code visitor} with each maximal run of at least {@code minLength} characters, in order. */
    void forEach(char[] text, Visitor visitor) {
        int n = text.length;
        int done = 0; // no run starts before this that is not visited already
        for (int probe = minLength - 1; probe < n; probe += minLength) {
            if (!isMember(text[probe])) {
                continue;
            }
            int start = probe;
            while (start > done && isMember(text[start - 1])) {
                start--;
            }
            int end = probe + 1;
            while (end < n && isMember(text[end])) {
                end++;
            }
            if (end - start >= minLength) {
                visitor.visit(start, end);
            }
            done = end;
            // The next probe past this run; the probes stay on their grid, so every later run still holds one.
            probe += (end - 1 - probe) / minLength * minLength;
        }
    }

    private boolean isMember(char c) {
        return c < 128 && member[c];
    }
}
