package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * JSON Web Tokens: three base64url segments joined by dots, the first decoding to a JSON object (so it starts
 * {@code eyJ}, the encoding of <code>{"</code>). Unsigned tokens (empty third segment) count too.
 */
final class JwtClassifier extends KeywordClassifier {
    private static final String ANCHOR = "eyJ";
    private static final List<String> KEYWORDS = List.of("eyj");

    JwtClassifier() {
        super(KEYWORDS);
    }

    @Override
    public void scan(String text, char[] chars, KeywordHits hits, List<Finding> out) {
        int resume = 0;
        for (int h = 0; h < hits.size(); h++) {
            int at = hits.start(h);
            if (at < resume || !text.startsWith(ANCHOR, at) || !Chars.wordStartsAt(text, at)) {
                continue;
            }
            int headerEnd = run(text, at);
            if (headerEnd - at < 10 || headerEnd >= text.length() || text.charAt(headerEnd) != '.') {
                continue;
            }
            int payloadEnd = run(text, headerEnd + 1);
            if (payloadEnd - headerEnd - 1 < 10 || payloadEnd >= text.length() || text.charAt(payloadEnd) != '.') {
                continue;
            }
            if (!text.startsWith("eyJ", headerEnd + 1) && !text.startsWith("ey", headerEnd + 1)) {
                continue; // the payload is a JSON object too
            }
            int end = run(text, payloadEnd + 1);
            out.add(new Finding(at, end, "jwt", DataClass.SECRETS));
            resume = end;
        }
    }

    private static int run(String text, int from) {
        int i = from;
        while (i < text.length() && Chars.isBase64Url(text.charAt(i))) {
            i++;
        }
        return i;
    }
}
