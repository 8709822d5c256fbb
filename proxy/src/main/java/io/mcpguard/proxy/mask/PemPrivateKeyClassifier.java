package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * PEM private key blocks ({@code -----BEGIN RSA PRIVATE KEY----- … -----END RSA PRIVATE KEY-----}) and PGP
 * private key blocks ({@code -----BEGIN PGP PRIVATE KEY BLOCK-----}), whole. A
 * block cut off before its END line (a truncated file) is masked to the end of the text: half a key is still a
 * leak.
 */
final class PemPrivateKeyClassifier extends KeywordClassifier {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String KIND = "PRIVATE KEY-----";
    private static final String PGP_KIND = "PRIVATE KEY BLOCK-----";
    private static final List<String> KEYWORDS = List.of("-----begin ");

    PemPrivateKeyClassifier() {
        super(KEYWORDS);
    }

    @Override
    public void scan(String text, char[] chars, KeywordHits hits, List<Finding> out) {
        int resume = 0;
        for (int h = 0; h < hits.size(); h++) {
            int at = hits.start(h);
            if (at < resume || !text.startsWith(BEGIN, at)) {
                continue;
            }
            int lineEnd = text.indexOf("-----", at + BEGIN.length());
            if (lineEnd < 0 || lineEnd - at > 64) {
                continue;
            }
            int headerEnd = lineEnd + 5;
            if (!text.startsWith(KIND, headerEnd - KIND.length())
                    && !text.startsWith(PGP_KIND, headerEnd - PGP_KIND.length())) {
                continue; // a certificate or public key, not a private key
            }
            int footer = text.indexOf(END, headerEnd);
            int end;
            if (footer < 0) {
                end = text.length();
            } else {
                int footerEnd = text.indexOf("-----", footer + END.length());
                end = footerEnd < 0 ? text.length() : footerEnd + 5;
            }
            out.add(new Finding(at, end, "pem-private-key", DataClass.SECRETS));
            resume = end;
        }
    }
}
