package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * International bank account numbers: a country code, two check digits, then 11–30 letters and digits (printed
 * in groups of four or run together), accepted only when the ISO 13616 mod-97 checksum holds.
 */
final class IbanClassifier implements Classifier {
    private static final int MIN_LENGTH = 15;
    private static final int MAX_LENGTH = 34;

    /** What an IBAN is written with: upper-case letters and digits, at least MIN_LENGTH, single blanks between groups. */
    private static final LongRuns RUNS = new LongRuns(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", MIN_LENGTH, 1, MIN_LENGTH);

    @Override
    public void scan(String text, char[] chars, List<Finding> out) {
        // Only a stretch of at least MIN_LENGTH of those characters can hold one: the loop runs on those stretches.
        RUNS.forEach(chars, (from, to) -> {
            for (int i = nextCandidate(chars, from, to); i < to; i = nextCandidate(chars, visit(chars, i, out), to)) {
                // visit() checks for an IBAN at i and says where to look next
            }
        });
    }

    /**
     * The first index in {@code [from, to)} where an IBAN may start. Upper-case letters are common in code; only
     * "letter, any, digit" goes on to visit(). Kept apart from visit() so the JIT compiles this loop tight (see
     * NumberPatterns.nextRunStart; and Classifier on why it reads the array).
     */
    private static int nextCandidate(char[] chars, int from, int to) {
        int i = from;
        int last = Math.min(to, chars.length - 3);
        while (i < last && !(Chars.isUpper(chars[i]) && Chars.isDigit(chars[i + 2]))) {
            i++;
        }
        return i < last ? i : to;
    }

    /** Checks for an IBAN starting at {@code i}; returns the index to continue from. */
    private static int visit(char[] text, int i, List<Finding> out) {
        int n = text.length;
        if (!Chars.isUpper(text[i + 1])
                || !Chars.isDigit(text[i + 2])
                || !Chars.isDigit(text[i + 3])
                || !Chars.wordStartsAt(text, i)) {
            return i + 1;
        }
        StringBuilder compact = new StringBuilder(MAX_LENGTH);
        int end = i;
        int j = i;
        while (j < n && compact.length() < MAX_LENGTH) {
            char c = text[j];
            if (Chars.isUpper(c) || Chars.isDigit(c)) {
                compact.append(c);
                j++;
                end = j;
            } else if (c == ' ' && compact.length() % 4 == 0 && j + 1 < n && Chars.isAlnum(text[j + 1])) {
                j++;
            } else {
                break;
            }
        }
        if (compact.length() >= MIN_LENGTH && Chars.wordEndsAt(text, end) && mod97(compact) == 1) {
            out.add(new Finding(i, end, "iban", DataClass.PERSONAL_DATA));
            return end;
        }
        return i + 1;
    }

    /** ISO 13616: move the first four characters to the end, letters to 10..35, the number mod 97. */
    static int mod97(CharSequence iban) {
        int remainder = 0;
        int length = iban.length();
        for (int k = 0; k < length; k++) {
            char c = iban.charAt((k + 4) % length);
            int value = Chars.isDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97;
        }
        return remainder;
    }
}
