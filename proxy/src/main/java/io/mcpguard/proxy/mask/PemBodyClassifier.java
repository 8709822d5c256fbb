package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * Private key material without its armour: the base64 body lines of a PEM, OpenSSH or PGP private key when the
 * {@code -----BEGIN} line is not in the text, because a tool returned a file from a line inside the block, a diff
 * hunk or a search hit cut it off. Key material is key material with or without its header, so these are reported
 * as {@code pem-private-key} like a whole block.
 *
 * <p>One pass over the lines (an {@code indexOf('\n')} per line). A body line is, once indentation, a diff marker,
 * quotes or a prefix ending in a blank or a colon (a grep hit's {@code path:line:}) are set aside, 60 to 80 characters of base64 with upper- and lower-case letters and at least one
 * character a hex digest cannot hold; key bodies are wrapped at 64 (PEM, PGP) or 70 (OpenSSH) characters. Found:
 *
 * <ul>
 *   <li>two or more consecutive body lines of the same length, with the short last line and an {@code -----END …
 *       PRIVATE KEY-----} line after them when present;
 *   <li>one body line that starts as a private key's encoding does: PKCS#1 and PKCS#8 DER ({@code MII…IBAA},
 *       {@code MII…IBAD}), SEC1 EC keys, Ed25519, encrypted PKCS#8, OpenSSH's {@code openssh-key-v1}.
 * </ul>
 *
 * Lines inside an armour that is not a private key's (a certificate, a public key, a PGP signature or public key
 * block), and runs that end at such an armour's END line, are public and left alone; lines inside a private key's
 * armour are the block classifier's.
 */
final class PemBodyClassifier implements Classifier {
    static final String NAME = "pem-private-key";
    private static final int MIN_LINE = 60;
    private static final int MAX_LINE = 80;
    private static final String[] KEY_PREFIXES = {
        "MHcCAQEE", // SEC1 EC P-256
        "MIGkAgEBBD", // SEC1 EC P-384
        "MIHcAgEBBE", // SEC1 EC P-521
        "MIGHAgEAMBMG", // PKCS#8 EC P-256
        "MIG2AgEAMBAG", // PKCS#8 EC P-384
        "MC4CAQAwBQYDK2Vw", // PKCS#8 Ed25519
        "MFECAQEwBQYDK2Vw", // PKCS#8 v2 Ed25519
        "b3BlbnNzaC1rZXktdjE", // openssh-key-v1
    };

    private enum Armour {
        NONE,
        PUBLIC,
        PRIVATE
    }

    @Override
    public void scan(String text, char[] chars, List<Finding> out) {
        int n = chars.length;
        Armour armour = Armour.NONE;
        int runStart = -1; // start of the first body line of the current run
        int runEnd = -1; // end of its last line
        int runLines = 0;
        int runLength = 0;
        boolean keyPrefix = false;
        for (int lineStart = 0; lineStart < n; ) {
            int newline = text.indexOf('\n', lineStart);
            int lineEnd = newline < 0 ? n : newline;
            int next = newline < 0 ? n : newline + 1;
            int s = lineStart;
            while (s < lineEnd && (chars[s] == ' ' || chars[s] == '\t')) {
                s++;
            }
            if (lineEnd - s > 10 && (chars[s] == '-' || chars[s] == '+')) {
                Armour kind = armourLine(text, s, lineEnd);
                if (kind != null) {
                    // An END line closes a run: part of the key when the armour is a private key's, or proof that
                    // the run was a certificate's or public key's body.
                    if (runLines > 0 && text.startsWith("END ", armourWord(text, s))) {
                        if (kind == Armour.PRIVATE) {
                            out.add(new Finding(runStart, lineEnd, NAME, DataClass.SECRETS));
                        }
                        runLines = 0;
                        armour = Armour.NONE;
                    } else if (text.startsWith("END ", armourWord(text, s))) {
                        armour = Armour.NONE;
                    } else {
                        report(runLines, keyPrefix, runStart, runEnd, out);
                        runLines = 0;
                        armour = kind;
                    }
                    lineStart = next;
                    continue;
                }
            }
            if (armour != Armour.NONE || (runLines == 0 && lineEnd - s < MIN_LINE)) {
                // Inside an armour; or, outside a run, too short to start one: most lines of code and prose.
                lineStart = next;
                continue;
            }
            int e = lineEnd;
            while (e > s && isWrapper(chars[e - 1])) {
                e--;
            }
            while (s < e && isLeader(chars[s])) {
                s++;
            }
            // The base64 at the end of the line, after a grep hit's "path:line:" or a "key: " before it.
            int t = e;
            while (t > s && e - t <= MAX_LINE && Chars.isBase64(chars[t - 1])) {
                t--;
            }
            if (t > s && isSeparator(chars[t - 1])) {
                s = t;
            }
            int length = e - s;
            boolean body = length >= MIN_LINE && length <= MAX_LINE && isBody(chars, s, e);
            if (body && (runLines == 0 || length == runLength)) {
                if (runLines == 0) {
                    runStart = s;
                    runLength = length;
                    keyPrefix = startsLikeKey(text, s) || (chars[s] == '+' && startsLikeKey(text, s + 1));
                }
                runLines++;
                runEnd = e;
            } else {
                if (runLines > 0 && length > 0 && length < runLength && isBase64(chars, s, e)) {
                    runEnd = e; // the short last line of the block; the END line may follow
                    Armour end = endArmourAt(text, chars, next);
                    if (end == Armour.PUBLIC) {
                        runLines = 0; // a certificate's or public key's body, cut from its BEGIN line
                    } else if (end == Armour.PRIVATE) {
                        next = Math.max(next, lineEndOf(text, next));
                        runEnd = next;
                    }
                }
                report(runLines, keyPrefix, runStart, runEnd, out);
                runLines = 0;
                if (body) { // a body line of another length starts a run of its own
                    runStart = s;
                    runLength = length;
                    keyPrefix = startsLikeKey(text, s) || (chars[s] == '+' && startsLikeKey(text, s + 1));
                    runLines = 1;
                    runEnd = e;
                }
            }
            lineStart = next;
        }
        report(runLines, keyPrefix, runStart, runEnd, out);
    }

    private static void report(int lines, boolean keyPrefix, int start, int end, List<Finding> out) {
        if (lines >= 2 || (lines == 1 && keyPrefix)) {
            out.add(new Finding(start, end, NAME, DataClass.SECRETS));
        }
    }

    /** The kind of the armour line at {@code s} ({@code -----BEGIN X-----}, {@code -----END X-----}), or null. */
    private static Armour armourLine(String text, int s, int lineEnd) {
        int dashes = s;
        if (text.charAt(dashes) == '+' || (text.startsWith("------", dashes))) {
            dashes++; // a diff's added or removed line
        }
        if (!text.startsWith("-----BEGIN ", dashes) && !text.startsWith("-----END ", dashes)) {
            return null;
        }
        int close = text.indexOf("-----", dashes + 9);
        if (close < 0 || close > lineEnd) {
            return null;
        }
        String label = text.substring(dashes + 5, close);
        return label.endsWith("PRIVATE KEY") || label.endsWith("PRIVATE KEY BLOCK") ? Armour.PRIVATE : Armour.PUBLIC;
    }

    /** The kind of the END line starting at {@code at} (after blanks), or null when that line is not one. */
    private static Armour endArmourAt(String text, char[] chars, int at) {
        int s = at;
        while (s < chars.length && (chars[s] == ' ' || chars[s] == '\t')) {
            s++;
        }
        if (s + 10 >= chars.length || (chars[s] != '-' && chars[s] != '+')) {
            return null;
        }
        int lineEnd = lineEndOf(text, s);
        Armour kind = armourLine(text, s, lineEnd);
        return kind != null && text.startsWith("END ", armourWord(text, s)) ? kind : null;
    }

    private static int lineEndOf(String text, int from) {
        int newline = text.indexOf('\n', from);
        return newline < 0 ? text.length() : newline;
    }

    /** Where BEGIN or END starts in the armour line at {@code s}. */
    private static int armourWord(String text, int s) {
        int dashes = text.charAt(s) == '+' || text.startsWith("------", s) ? s + 1 : s;
        return dashes + 5;
    }

    private static boolean startsLikeKey(String text, int s) {
        if (text.startsWith("MII", s)
                && text.startsWith("IBA", s + 6)
                && (text.charAt(s + 9) == 'A' || text.charAt(s + 9) == 'D')) {
            return true; // PKCS#1 (version 0, then the modulus) or PKCS#8 (version 0, then the algorithm)
        }
        if (text.startsWith("MII", s) && text.startsWith("BgkqhkiG9w0BBQ0", s + 8)) {
            return true; // encrypted PKCS#8 (PBES2)
        }
        for (String prefix : KEY_PREFIXES) {
            if (text.startsWith(prefix, s)) {
                return true;
            }
        }
        return false;
    }

    /** Base64 with both cases and a character no hex digest has: not a hash, not a word. */
    private static boolean isBody(char[] chars, int s, int e) {
        boolean upper = false;
        boolean lower = false;
        boolean notHex = false;
        for (int i = s; i < e; i++) {
            char c = chars[i];
            if (Chars.isUpper(c)) {
                upper = true;
                notHex |= c > 'F';
            } else if (Chars.isLower(c)) {
                lower = true;
                notHex |= c > 'f';
            } else if (c == '+' || c == '/') {
                notHex = true;
            } else if (!Chars.isDigit(c) && !(c == '=' && i >= e - 2)) {
                return false;
            }
        }
        return upper && lower && notHex;
    }

    private static boolean isBase64(char[] chars, int s, int e) {
        for (int i = s; i < e; i++) {
            if (!Chars.isBase64(chars[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * What may stand before a body line: a diff marker, a quote mark. Not '+', which is base64 too: a diff's added
     * lines keep it, and have the same length as one another.
     */
    private static boolean isLeader(char c) {
        return c == '-' || c == '>' || c == '"' || c == '\'' || c == ' ' || c == '\t';
    }

    /** What may separate a body line from a prefix on its line. */
    private static boolean isSeparator(char c) {
        return c == ' ' || c == '\t' || c == ':' || c == '|' || c == '"' || c == '\'';
    }

    /** What may stand after a body line: quotes, a comma, blanks, a carriage return. */
    private static boolean isWrapper(char c) {
        return c == '"' || c == '\'' || c == ',' || c == ' ' || c == '\t' || c == '\r';
    }
}
