package io.mcpguard.proxy.mask;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Values assigned to a secret-sounding key: {@code password=…}, {@code "client_secret": "…"}, {@code API_TOKEN: …},
 * {@code aws_secret_access_key = …}, in config files, JSON, YAML, env files and code alike.
 *
 * <p>Anchored on {@code =} and {@code :}: the key is the identifier just before, the value what follows (quoted or
 * bare). Password keys report any real value; token, secret and key names report only values that look random
 * (long enough, high entropy), so {@code token: string} in a schema or {@code secret = getSecret()} in code are
 * not findings. Placeholders ({@code ${DB_PASSWORD}}, {@code <secret>}, {@code ****}) never are.
 */
final class KeywordAssignmentClassifier implements Classifier {
    private static final Set<String> PASSWORD_WORDS = Set.of("password", "passwd", "pwd", "passphrase");
    private static final List<String> SECRET_WORDS = List.of(
            "secret",
            "token",
            "apikey",
            "api_key",
            "api-key",
            "accesskey",
            "access_key",
            "privatekey",
            "private_key",
            "accountkey",
            "sharedaccesskey",
            "credential",
            "auth_key",
            "authkey",
            "signingkey",
            "signing_key");
    private static final int MAX_KEY = 64;
    private static final int MAX_VALUE = 512;
    /** Random-looking: at least this long and this many bits of entropy per character. */
    private static final int MIN_RANDOM_LENGTH = 16;

    private static final double MIN_RANDOM_ENTROPY = 3.0;

    @Override
    public void scan(String text, List<Finding> out) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c != '=' && c != ':') {
                continue;
            }
            String key = keyBefore(text, i);
            if (key == null) {
                continue;
            }
            Kind kind = kindOf(key);
            if (kind == null) {
                continue;
            }
            int valueStart = i + 1;
            if (c == ':' && valueStart < n && text.charAt(valueStart) == '/') {
                continue; // a URL (scheme://), not an assignment
            }
            if (c == '=' && valueStart < n && text.charAt(valueStart) == '=') {
                continue; // a comparison (==), not an assignment
            }
            while (valueStart < n && (text.charAt(valueStart) == ' ' || text.charAt(valueStart) == '\t')) {
                valueStart++;
            }
            char quote = valueStart < n ? text.charAt(valueStart) : 0;
            boolean quoted = quote == '"' || quote == '\'' || quote == '`';
            if (quoted) {
                valueStart++;
            }
            int valueEnd = valueStart;
            int limit = Math.min(n, valueStart + MAX_VALUE);
            while (valueEnd < limit && !endsValue(text.charAt(valueEnd), quoted, quote)) {
                valueEnd++;
            }
            if (valueEnd == limit && limit < n) {
                continue; // longer than any credential: a blob, not an assignment we understand
            }
            if (quoted && valueEnd > 0 && valueEnd < n && text.charAt(valueEnd - 1) == '\\') {
                continue;
            }
            if (!isRealValue(text, valueStart, valueEnd, kind)) {
                continue;
            }
            out.add(new Finding(valueStart, valueEnd, kind.classifierName(key), DataClass.SECRETS));
            i = valueEnd - 1;
        }
    }

    private enum Kind {
        PASSWORD,
        SECRET;

        String classifierName(String key) {
            // AWS calls it the secret access key; config files spell it every way.
            if (key.contains("secret") && (key.contains("aws") || key.matches(".*secret[_-]?access[_-]?key.*"))) {
                return "aws-secret-key";
            }
            if (key.contains("accountkey") || key.contains("sharedaccesskey")) {
                return "azure-storage-key";
            }
            return this == PASSWORD ? "password-assignment" : "secret-assignment";
        }
    }

    /** The identifier ending just before {@code separator} (skipping a closing quote and blanks), lower case. */
    private static String keyBefore(String text, int separator) {
        int end = separator;
        while (end > 0 && (text.charAt(end - 1) == ' ' || text.charAt(end - 1) == '\t')) {
            end--;
        }
        if (end > 0 && (text.charAt(end - 1) == '"' || text.charAt(end - 1) == '\'')) {
            end--;
        }
        int start = end;
        while (start > 0 && end - start < MAX_KEY && isKeyChar(text.charAt(start - 1))) {
            start--;
        }
        if (start == end || (start > 0 && isKeyChar(text.charAt(start - 1)))) {
            return null;
        }
        return text.substring(start, end).toLowerCase(Locale.ROOT);
    }

    private static boolean isKeyChar(char c) {
        return Chars.isWord(c) || c == '.';
    }

    private static Kind kindOf(String key) {
        String last = key.substring(key.lastIndexOf('.') + 1);
        for (String word : PASSWORD_WORDS) {
            if (last.endsWith(word) || last.startsWith(word + "_") || last.equals(word)) {
                return Kind.PASSWORD;
            }
        }
        for (String word : SECRET_WORDS) {
            if (last.contains(word)) {
                return Kind.SECRET;
            }
        }
        return null;
    }

    private static boolean endsValue(char c, boolean quoted, char quote) {
        if (quoted) {
            return c == quote || c == '\n' || c == '\r';
        }
        return Character.isWhitespace(c)
                || c == ','
                || c == ';'
                || c == '}'
                || c == ']'
                || c == ')'
                || c == '"'
                || c == '\''
                || c == '&';
    }

    private static boolean isRealValue(String text, int start, int end, Kind kind) {
        int length = end - start;
        if (length < 4) {
            return false;
        }
        String value = text.substring(start, end);
        String lower = value.toLowerCase(Locale.ROOT);
        if (value.startsWith("${")
                || value.startsWith("{{")
                || value.startsWith("<")
                || value.startsWith("%")
                || value.startsWith("$(")
                || value.startsWith("[REDACTED")
                || value.chars().allMatch(ch -> ch == '*' || ch == 'x' || ch == 'X')
                || lower.equals("null")
                || lower.equals("none")
                || lower.equals("true")
                || lower.equals("false")
                || lower.equals("string")
                || lower.equals("changeme")
                || lower.equals("required")
                || lower.equals("optional")
                || lower.startsWith("env.")
                || lower.startsWith("process.env")
                || lower.startsWith("os.environ")
                || lower.startsWith("system.getenv")) {
            return false;
        }
        if (kind == Kind.PASSWORD) {
            return !looksLikeCode(value);
        }
        return length >= MIN_RANDOM_LENGTH
                && Chars.entropy(text, start, end) >= MIN_RANDOM_ENTROPY
                && !looksLikeCode(value)
                && !value.contains(" ");
    }

    /** A call, a property path or a type name is code reading a secret, not the secret. */
    private static boolean looksLikeCode(String value) {
        return value.endsWith("()") || value.contains("(") || value.matches("[a-z][A-Za-z]*(\\.[a-z][A-Za-z]*)+");
    }
}
