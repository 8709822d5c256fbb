package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * Vendor tokens that announce themselves with a fixed prefix (AWS {@code AKIA…}, GitHub {@code ghp_…}, Slack
 * {@code xoxb-…}, Atlassian {@code ATATT3…}). Found by {@code indexOf} of the prefix, then a bounded run of the
 * token's alphabet, so text without the prefix costs one intrinsic search per prefix.
 */
final class PrefixedTokenClassifier implements Classifier {

    /** The token's characters after its prefix. */
    enum Alphabet {
        UPPER_ALNUM,
        ALNUM,
        BASE64URL,
        /** Atlassian tokens: base64url plus '='. */
        BASE64URL_PADDED,
        /** URL path tokens (webhooks): base64url plus '/'. */
        PATH;

        boolean contains(char c) {
            return switch (this) {
                case UPPER_ALNUM -> Chars.isUpper(c) || Chars.isDigit(c);
                case ALNUM -> Chars.isAlnum(c);
                case BASE64URL -> Chars.isBase64Url(c);
                case BASE64URL_PADDED -> Chars.isBase64Url(c) || c == '=';
                case PATH -> Chars.isBase64Url(c) || c == '/';
            };
        }
    }

    private final String name;
    private final List<String> prefixes;
    /** What all prefixes start with: searched once, then each prefix is checked where it was found. */
    private final String stem;

    private final Alphabet alphabet;
    private final int minBody;
    private final int maxBody;

    /**
     * @param minBody fewest characters after the prefix
     * @param maxBody most characters after the prefix; a longer run is not this token (it is something else that
     *     happens to start the same way)
     */
    PrefixedTokenClassifier(String name, List<String> prefixes, Alphabet alphabet, int minBody, int maxBody) {
        this.name = name;
        this.prefixes = List.copyOf(prefixes);
        String common = prefixes.get(0);
        for (String prefix : prefixes) {
            int k = 0;
            while (k < Math.min(common.length(), prefix.length()) && common.charAt(k) == prefix.charAt(k)) {
                k++;
            }
            common = common.substring(0, k);
        }
        if (common.length() < 2) { // a one-letter anchor would stop the search at every such letter
            throw new IllegalArgumentException(name + ": prefixes must share at least two leading characters");
        }
        this.stem = common;
        this.alphabet = alphabet;
        this.minBody = minBody;
        this.maxBody = maxBody;
    }

    @Override
    public void scan(String text, char[] chars, List<Finding> out) {
        for (int at = text.indexOf(stem); at >= 0; at = text.indexOf(stem, at + 1)) {
            if (!Chars.wordStartsAt(text, at)) {
                continue;
            }
            for (String prefix : prefixes) {
                if (!text.startsWith(prefix, at)) {
                    continue;
                }
                int end = at + prefix.length();
                int limit = Math.min(text.length(), end + maxBody + 1);
                while (end < limit && alphabet.contains(text.charAt(end))) {
                    end++;
                }
                int body = end - at - prefix.length();
                if (body >= minBody && body <= maxBody && Chars.wordEndsAt(text, end)) {
                    out.add(new Finding(at, end, name, DataClass.SECRETS));
                }
                break;
            }
        }
    }
}
