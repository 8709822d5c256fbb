package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * Phone numbers and payment cards, found in one pass over the text's runs of digits and separators.
 *
 * <p>A run starts at a digit (or a {@code +} or {@code (} before one) that does not continue a word, takes digits
 * and single separators (space, dash, dot, parentheses), and ends at anything else. Then:
 *
 * <ul>
 *   <li><b>payment card</b>: 13–19 digits, separators only between groups, a known issuer prefix, and a valid
 *       Luhn checksum (so order numbers and timestamps of the same length rarely pass);
 *   <li><b>US SSN / ITIN</b>: {@code 3-2-4} digits with dashes whose area, group and serial were ever issued;
 *   <li><b>phone</b>: {@code +} and 8–15 digits in groups (E.164 as people write it), or the North American
 *       {@code 3-3-4} shape with separators ({@code (555) 010-9999}, {@code 555.010.9999}). Dates, versions,
 *       IP addresses and bare digit strings do not have these shapes.
 * </ul>
 */
final class NumberPatterns implements Classifier {

    private static final String SEPARATORS = " -.()+";
    /** By ASCII code: the character may open a run (a digit, or a '+' or '(' before one). */
    private static final int OPENS = 1;
    /** By ASCII code: a run cannot start right after the character (a word's letter or digit, a '.' or '/'). */
    private static final int BLOCKS = 2;

    private static final byte[] FLAGS = new byte[128];

    static {
        for (char c = 0; c < 128; c++) {
            int flags = 0;
            if (Chars.isDigit(c) || c == '+' || c == '(') {
                flags |= OPENS;
            }
            if (Chars.isWord(c) || c == '.' || c == '/') {
                flags |= BLOCKS;
            }
            FLAGS[c] = (byte) flags;
        }
    }

    /** Fewer characters cannot hold a phone number or a card (see visit()), nor fewer digits (see classify()). */
    private static final int MIN_RUN = 8;

    /** Separators in a row in a run, at most (see runEnd()). */
    private static final int MAX_SEPARATORS = 2;

    private static final LongRuns RUNS =
            new LongRuns("0123456789" + SEPARATORS, "0123456789", MIN_RUN, MAX_SEPARATORS, MIN_RUN);

    @Override
    public void scan(String text, char[] chars, List<Finding> out) {
        // A run (below) is made of digits and separators only, and only one of at least MIN_RUN characters can be a
        // finding: the per-character loop runs on stretches of those characters, not on the whole text.
        RUNS.forEach(chars, (from, to) -> {
            for (int i = nextRunStart(chars, from, to); i < to; i = nextRunStart(chars, visit(chars, i, out), to)) {
                // visit() classifies the run at i and says where to look next
            }
        });
    }

    /**
     * The first index in {@code [from, to)} where a run starts: a digit, or a {@code +} or {@code (} before one, that
     * does not continue a word or a path. The whole test is made here, in one tight loop over a table, because
     * '(' and digits are everywhere in code: stopping at each and deciding in visit() cost more than the rest of
     * this classifier, and made the JIT's code vary from run to run by a factor of three. (See Classifier on why it
     * reads the array.)
     */
    private static int nextRunStart(char[] chars, int from, int to) {
        int n = chars.length;
        boolean blocked = from > 0 && (flags(chars[from - 1]) & BLOCKS) != 0;
        for (int i = from; i < to; i++) {
            char c = chars[i];
            int flags = flags(c);
            if (!blocked && (flags & OPENS) != 0 && (Chars.isDigit(c) || (i + 1 < n && Chars.isDigit(chars[i + 1])))) {
                return i;
            }
            blocked = (flags & BLOCKS) != 0;
        }
        return to;
    }

    private static int flags(char c) {
        return c < 128 ? FLAGS[c] : 0;
    }

    /** Classifies the run starting at {@code i}; returns the index to continue from. */
    private static int visit(char[] text, int i, List<Finding> out) {
        int n = text.length;
        int end = runEnd(text, i);
        // Fewer than 8 characters cannot hold a phone number or a card; a letter or digit right after the run
        // means it is part of a longer token (a hash, an id).
        boolean longEnough = end - i >= MIN_RUN;
        if (longEnough && (end >= n || !Chars.isWord(text[end]) || text[end] == '-')) {
            classify(text, i, end, out);
        }
        return Math.max(end, i + 1);
    }

    /** The end of the last digit of the run of digits and short separator sequences starting at {@code start}. */
    private static int runEnd(char[] text, int start) {
        int n = text.length;
        int i = start;
        int lastDigitEnd = start;
        int separators = 0;
        while (i < n) {
            char c = text[i];
            if (Chars.isDigit(c)) {
                separators = 0;
                i++;
                lastDigitEnd = i;
            } else if (SEPARATORS.indexOf(c) >= 0 && ++separators <= MAX_SEPARATORS && (c != '+' || i == start)) {
                i++;
            } else {
                break;
            }
        }
        return lastDigitEnd;
    }

    private static void classify(char[] text, int start, int end, List<Finding> out) {
        if (end < 0) {
            return;
        }
        int digits = 0;
        int groups = 0;
        boolean inGroup = false;
        boolean dots = false;
        for (int i = start; i < end; i++) {
            char c = text[i];
            if (Chars.isDigit(c)) {
                digits++;
                if (!inGroup) {
                    groups++;
                    inGroup = true;
                }
            } else {
                inGroup = false;
                dots |= c == '.';
            }
        }
        if (digits >= 13 && digits <= 19 && !dots && isCard(text, start, end, digits)) {
            out.add(new Finding(start, end, "payment-card", DataClass.PERSONAL_DATA));
            return;
        }
        if (digits == 9 && groups == 3 && !dots && isSsnShape(text, start, end)) {
            String number = new String(text, start, end - start);
            if (CheckDigits.US_SSN.test(number)) {
                out.add(new Finding(start, end, "us-ssn", DataClass.PERSONAL_DATA));
            } else if (CheckDigits.US_ITIN.test(number)) {
                out.add(new Finding(start, end, "us-itin", DataClass.PERSONAL_DATA));
            }
            return;
        }
        char first = text[start];
        if (first == '+' && digits >= 8 && digits <= 15 && groups >= 2 && !dots) {
            out.add(new Finding(start, end, "phone", DataClass.PERSONAL_DATA));
        } else if (digits == 10 && isNorthAmerican(text, start, end)) {
            out.add(new Finding(start, end, "phone", DataClass.PERSONAL_DATA));
        }
    }

    private static boolean isCard(char[] text, int start, int end, int digits) {
        StringBuilder number = new StringBuilder(digits);
        int groupLength = 0;
        for (int i = start; i < end; i++) {
            char c = text[i];
            if (Chars.isDigit(c)) {
                number.append(c);
                groupLength++;
            } else if (c == ' ' || c == '-') {
                if (groupLength < 4) {
                    return false; // cards group by four (or 4-6-5): not "12 3456 …"
                }
                groupLength = 0;
            } else {
                return false;
            }
        }
        return knownIssuer(number) && luhn(number);
    }

    private static boolean knownIssuer(CharSequence n) {
        int two = (n.charAt(0) - '0') * 10 + (n.charAt(1) - '0');
        int four = two * 100 + (n.charAt(2) - '0') * 10 + (n.charAt(3) - '0');
        return n.charAt(0) == '4' // Visa
                || (two >= 51 && two <= 55)
                || (four >= 2221 && four <= 2720) // Mastercard
                || two == 34
                || two == 37 // American Express
                || four == 6011
                || two == 65 // Discover
                || (four >= 3528 && four <= 3589) // JCB
                || two == 36
                || two == 38; // Diners Club
    }

    static boolean luhn(CharSequence digits) {
        int sum = 0;
        boolean twice = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    /** {@code 123-45-6789}: the US SSN and ITIN shape, dashes only (spaced or bare nine digits are too common). */
    private static boolean isSsnShape(char[] text, int start, int end) {
        return end - start == 11
                && text[start + 3] == '-'
                && text[start + 6] == '-'
                && Chars.isDigit(text[start])
                && Chars.isDigit(text[start + 2])
                && Chars.isDigit(text[start + 4])
                && Chars.isDigit(text[start + 7]);
    }

    /** {@code (555) 010-9999}, {@code 555-010-9999}, {@code 555.010.9999}, {@code 555 010 9999}: 3-3-4 with separators. */
    private static boolean isNorthAmerican(char[] text, int start, int end) {
        int[] groups = new int[4];
        int count = 0;
        int length = 0;
        for (int i = start; i < end; i++) {
            if (Chars.isDigit(text[i])) {
                length++;
            } else if (length > 0) {
                if (count == 3) {
                    return false;
                }
                groups[count++] = length;
                length = 0;
            }
        }
        if (length > 0) {
            if (count == 3) {
                return false;
            }
            groups[count++] = length;
        }
        return count == 3 && groups[0] == 3 && groups[1] == 3 && groups[2] == 4 && text[start] != '0';
    }
}
