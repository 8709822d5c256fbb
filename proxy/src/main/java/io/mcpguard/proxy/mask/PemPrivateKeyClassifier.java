package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * PEM private key blocks ({@code -----BEGIN RSA PRIVATE KEY----- … -----END RSA PRIVATE KEY-----}) and PGP
 * private key blocks ({@code -----BEGIN PGP PRIVATE KEY BLOCK-----}), whole. A
 * block cut off before its END line (a truncated file) is masked to the end of the text: half a key is still a
 * leak.
 */
final class PemPrivateKeyClassifier implements Classifier {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String KIND = "PRIVATE KEY-----";
    private static final String PGP_KIND = "PRIVATE KEY BLOCK-----";

    @Override
    public void scan(String text, char[] chars, List<Finding> out) {
        for (int at = text.indexOf(BEGIN); at >= 0; at = text.indexOf(BEGIN, at + 1)) {
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
            at = end - 1;
        }
    }
}
