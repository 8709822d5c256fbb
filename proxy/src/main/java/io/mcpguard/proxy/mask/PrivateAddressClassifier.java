package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * IPv4 addresses of private networks (RFC 1918: 10/8, 172.16/12, 192.168/16) and link-local ones (169.254/16),
 * which map the inside of a network. Public addresses, loopback and version strings are left alone.
 */
final class PrivateAddressClassifier extends KeywordClassifier {
    private static final List<String> KEYWORDS = List.of("10.", "172.", "192.168.", "169.254.");

    PrivateAddressClassifier() {
        super(KEYWORDS);
    }

    @Override
    public void scan(String text, char[] chars, KeywordHits hits, List<Finding> out) {
        for (int h = 0; h < hits.size(); h++) {
            int at = hits.start(h);
            if (at > 0 && (Chars.isWord(text.charAt(at - 1)) || text.charAt(at - 1) == '.')) {
                continue;
            }
            int[] octets = new int[4];
            int end = parse(text, at, octets);
            if (end > 0 && isPrivate(octets) && anchorMatches(KEYWORDS.get(hits.keyword(h)), octets)) {
                out.add(new Finding(at, end, "private-ip", DataClass.INTERNAL_INFRASTRUCTURE));
            }
        }
    }

    private static boolean anchorMatches(String anchor, int[] o) {
        return switch (anchor) {
            case "10." -> o[0] == 10;
            case "172." -> o[0] == 172;
            case "192.168." -> o[0] == 192;
            default -> o[0] == 169;
        };
    }

    /** Parses a dotted quad at {@code start}; returns its end, or -1 when it is not exactly one. */
    private static int parse(String text, int start, int[] octets) {
        int i = start;
        int n = text.length();
        for (int part = 0; part < 4; part++) {
            int digits = 0;
            int value = 0;
            while (i < n && Chars.isDigit(text.charAt(i)) && digits < 4) {
                value = value * 10 + (text.charAt(i) - '0');
                digits++;
                i++;
            }
            if (digits == 0 || digits > 3 || value > 255) {
                return -1;
            }
            octets[part] = value;
            if (part < 3) {
                if (i >= n || text.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
        }
        // "10.1.2.3.4" or "10.1.2.3a" is something else (an OID, a version, a name).
        if (i < n
                && (Chars.isWord(text.charAt(i))
                        || (text.charAt(i) == '.' && i + 1 < n && Chars.isDigit(text.charAt(i + 1))))) {
            return -1;
        }
        return i;
    }

    private static boolean isPrivate(int[] o) {
        return o[0] == 10
                || (o[0] == 172 && o[1] >= 16 && o[1] <= 31)
                || (o[0] == 192 && o[1] == 168)
                || (o[0] == 169 && o[1] == 254);
    }
}
