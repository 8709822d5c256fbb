package io.mcpguard.proxy.mask;

/** Character tests shared by the classifiers; ASCII only, on purpose: the formats they recognise are ASCII. */
final class Chars {
    private Chars() {}

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    static boolean isLower(char c) {
        return c >= 'a' && c <= 'z';
    }

    static boolean isAlnum(char c) {
        return isDigit(c) || isUpper(c) || isLower(c);
    }

    /** Letters, digits, '_' and '-': what tokens and identifiers are made of. */
    static boolean isWord(char c) {
        return isAlnum(c) || c == '_' || c == '-';
    }

    static boolean isBase64Url(char c) {
        return isAlnum(c) || c == '_' || c == '-';
    }

    static boolean isBase64(char c) {
        return isAlnum(c) || c == '+' || c == '/' || c == '=';
    }

    static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** True when the character before {@code index} does not continue a word (or there is none). */
    static boolean wordStartsAt(String text, int index) {
        return index == 0 || !isWord(text.charAt(index - 1));
    }

    /** {@link #wordStartsAt(String, int)} on the text as an array. */
    static boolean wordStartsAt(char[] text, int index) {
        return index == 0 || !isWord(text[index - 1]);
    }

    /** True when the character at {@code index} does not continue a word (or there is none). */
    static boolean wordEndsAt(char[] text, int index) {
        return index >= text.length || !isWord(text[index]);
    }

    /** Shannon entropy of {@code text[start, end)} in bits per character. */
    static double entropy(String text, int start, int end) {
        int[] counts = new int[128];
        int other = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < 128) {
                counts[c]++;
            } else {
                other++;
            }
        }
        double n = end - start;
        double bits = 0;
        for (int count : counts) {
            if (count > 0) {
                double p = count / n;
                bits -= p * (Math.log(p) / Math.log(2));
            }
        }
        if (other > 0) {
            double p = other / n;
            bits -= p * (Math.log(p) / Math.log(2));
        }
        return bits;
    }
}
