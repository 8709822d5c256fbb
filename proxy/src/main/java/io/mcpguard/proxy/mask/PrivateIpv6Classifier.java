package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * IPv6 addresses of the inside of a network: unique local addresses ({@code fc00::/7}, in practice {@code fdXX:…})
 * and link-local ones ({@code fe80::/10}, often with a {@code %zone}). Global, loopback and documentation addresses
 * are left alone, as their IPv4 counterparts are.
 *
 * <p>Anchored on the first group's leading characters ({@code fc}, {@code fd}, {@code fe8}…{@code feb}, found in the
 * scanner's keyword pass), then on the {@code :} every IPv6 address has right after its first group: only where a
 * first group of four characters is followed by one is an address parsed.
 */
final class PrivateIpv6Classifier extends KeywordClassifier {
    private static final List<String> KEYWORDS = List.of("fc", "fd", "fe8", "fe9", "fea", "feb");

    PrivateIpv6Classifier() {
        super(KEYWORDS);
    }

    @Override
    public void scan(String text, char[] chars, KeywordHits hits, List<Finding> out) {
        int nextColon = 0; // colons before this are inside an address already found
        for (int h = 0; h < hits.size(); h++) {
            int start = hits.start(h);
            int colon = start + 4;
            if (colon < nextColon
                    || colon >= chars.length
                    || chars[colon] != ':'
                    || !isPrivateFirstGroup(chars, start)
                    || (start > 0 && continuesAddress(chars[start - 1]))) {
                continue;
            }
            int end = parse(chars, start);
            if (end > 0) {
                out.add(new Finding(start, end, "private-ipv6", DataClass.INTERNAL_INFRASTRUCTURE));
                nextColon = end;
            }
        }
    }

    private static boolean isPrivateFirstGroup(char[] c, int at) {
        char f = lower(c[at]);
        char s = lower(c[at + 1]);
        if (f != 'f' || !Chars.isHex(c[at + 2]) || !Chars.isHex(c[at + 3])) {
            return false;
        }
        return s == 'c' || s == 'd' || (s == 'e' && "89ab".indexOf(lower(c[at + 2])) >= 0);
    }

    /** A character that would make the candidate the middle of something longer (a word, a longer address). */
    private static boolean continuesAddress(char c) {
        return Chars.isWord(c) || c == ':' || c == '.';
    }

    /** Parses an IPv6 address at {@code start}; returns its end (zone included), or -1 when it is not one. */
    private static int parse(char[] c, int start) {
        int n = c.length;
        int i = start;
        int groups = 0;
        boolean compressed = false;
        while (i < n) {
            int digits = 0;
            while (i < n && digits < 5 && Chars.isHex(c[i])) {
                i++;
                digits++;
            }
            if (digits > 4) {
                return -1;
            }
            if (digits > 0) {
                groups++;
            }
            if (i + 1 < n && c[i] == ':' && c[i + 1] == ':') {
                if (compressed) {
                    return -1;
                }
                compressed = true;
                i += 2;
            } else if (i + 1 < n && c[i] == ':' && Chars.isHex(c[i + 1]) && digits > 0) {
                i++;
            } else {
                break;
            }
        }
        if (groups > 8 || (!compressed && groups != 8) || (compressed && groups > 7) || groups < 2 && !compressed) {
            return -1;
        }
        if (i < n && (Chars.isWord(c[i]) || c[i] == ':')) {
            return -1; // followed by letters: a word or identifier, not an address
        }
        if (i < n && c[i] == '%') { // a link-local zone: fe80::1%eth0
            int z = i + 1;
            while (z < n && Chars.isWord(c[z]) && z - i <= 16) {
                z++;
            }
            if (z > i + 1) {
                i = z;
            }
        }
        return i;
    }

    private static char lower(char c) {
        return Chars.isUpper(c) ? (char) (c + 32) : c;
    }
}
