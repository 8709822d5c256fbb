package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * E-mail addresses, anchored on {@code @}: a local part of the usual characters, then a domain of at least two
 * labels whose last is alphabetic. {@code git@bitbucket.org:acme/repo.git} is an address by this rule too, which is
 * acceptable (a user name at a host); {@code @Override} and {@code user@localhost} are not.
 */
final class EmailClassifier extends KeywordClassifier {

    private static final List<String> KEYWORDS = List.of("@");

    EmailClassifier() {
        super(KEYWORDS);
    }

    @Override
    public void scan(String text, char[] chars, KeywordHits hits, List<Finding> out) {
        int n = text.length();
        int resume = 0;
        for (int h = 0; h < hits.size(); h++) {
            int at = hits.start(h);
            if (at < resume) {
                continue;
            }
            int start = at;
            while (start > 0 && at - start < 64 && isLocalChar(text.charAt(start - 1))) {
                start--;
            }
            while (start < at && text.charAt(start) == '.') {
                start++;
            }
            // "scheme://user:pass@host" and "scheme://user@host" are URL userinfo, the URL classifier's business.
            if (start == at || (start > 0 && (text.charAt(start - 1) == ':' || text.charAt(start - 1) == '/'))) {
                continue;
            }
            int end = at + 1;
            int lastDot = -1;
            while (end < n && end - at < 255 && isDomainChar(text.charAt(end))) {
                if (text.charAt(end) == '.') {
                    lastDot = end;
                }
                end++;
            }
            while (end > at + 1 && (text.charAt(end - 1) == '.' || text.charAt(end - 1) == '-')) {
                end--;
                if (lastDot == end) {
                    lastDot = text.lastIndexOf('.', end - 1);
                }
            }
            if (lastDot <= at + 1 || end - lastDot - 1 < 2 || !alphabetic(text, lastDot + 1, end)) {
                continue;
            }
            out.add(new Finding(start, end, "email", DataClass.PERSONAL_DATA));
            resume = end;
        }
    }

    private static boolean isLocalChar(char c) {
        return Chars.isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
    }

    private static boolean isDomainChar(char c) {
        return Chars.isAlnum(c) || c == '.' || c == '-';
    }

    private static boolean alphabetic(String text, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (!Chars.isUpper(c) && !Chars.isLower(c)) {
                return false;
            }
        }
        return true;
    }
}
