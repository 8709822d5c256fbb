package io.mcpguard.proxy.mask;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Values assigned to a secret-sounding key: {@code password=…}, {@code "client_secret": "…"}, {@code API_TOKEN: …},
 * {@code aws_secret_access_key = …}, in config files, JSON, YAML, env files and code alike.
 *
 * <p>An assignment is an identifier holding one of the stems every key name has ({@code pas}, {@code pwd},
 * {@code sec}, {@code tok}, {@code key}, {@code cre}), then {@code =} or {@code :} (a closing quote and blanks may
 * come between), then the value (quoted or bare). The stems are the anchors: they are found with the other
 * classifiers' keywords in one pass (see {@link KeywordAnchored}), where anchoring on every {@code =} and {@code :}
 * stopped every few characters of code and JSON. Password keys report any real value; token, secret and key names report only values that look random
 * (long enough, high entropy), so {@code token: string} in a schema or {@code secret = getSecret()} in code are
 * not findings. Placeholders ({@code ${DB_PASSWORD}}, {@code <secret>}, {@code ****}) never are.
 */
final class KeywordAssignmentClassifier extends KeywordClassifier {
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

    // Compiled once: String.matches compiles its regex at every call, and these run for every keyword assignment.
    private static final Pattern AWS_SECRET_KEY_NAME = Pattern.compile(".*secret[_-]?access[_-]?key.*");
    private static final Pattern PROPERTY_PATH = Pattern.compile("[a-z][A-Za-z]*(\\.[a-z][A-Za-z]*)+");

    /** What {@link #hasStem} looks for, as keywords. */
    private static final List<String> STEMS = List.of("pas", "pwd", "sec", "tok", "key", "cre");

    KeywordAssignmentClassifier() {
        super(STEMS);
    }

    /**
     * Visits the separator after each identifier that holds a stem, once, in order; a separator inside a value
     * already found is not visited (the value is masked whole).
     */
    @Override
    public void scan(String text, char[] chars, KeywordHits hits, List<Finding> out) {
        char[] key = new char[MAX_KEY];
        int resume = 0;
        int visited = -1;
        for (int h = 0; h < hits.size(); h++) {
            int separator = separatorAfter(chars, hits.start(h));
            if (separator >= resume && separator != visited) {
                visited = separator;
                resume = scanAt(text, chars, separator, key, out);
            }
        }
    }

    /**
     * The {@code :} or {@code =} that ends the identifier holding {@code at}, after an optional closing quote and
     * blanks (the way {@link #keyBefore} reads back from it), or -1 when none does.
     */
    private static int separatorAfter(char[] chars, int at) {
        int n = chars.length;
        int i = at;
        while (i < n && isKeyChar(chars[i])) {
            i++;
        }
        if (i < n && (chars[i] == '"' || chars[i] == '\'')) {
            i++;
        }
        while (i < n && (chars[i] == ' ' || chars[i] == '\t')) {
            i++;
        }
        return i < n && (chars[i] == ':' || chars[i] == '=') ? i : -1;
    }

    /**
     * Looks at the separator at {@code i}; returns where the search for the next separator resumes. Loops read
     * {@code chars}, the same text as an array (see {@link Classifier}); values are cut from {@code text}.
     */
    private int scanAt(String text, char[] chars, int i, char[] keyBuffer, List<Finding> out) {
        int n = chars.length;
        char c = chars[i];
        int keyLength = keyBefore(chars, i, keyBuffer);
        if (keyLength == 0) {
            return i + 1;
        }
        String key = new String(keyBuffer, 0, keyLength);
        Kind kind = kindOf(key);
        if (kind == null) {
            return i + 1;
        }
        int valueStart = i + 1;
        if (c == ':' && valueStart < n && chars[valueStart] == '/') {
            return i + 1; // a URL (scheme://), not an assignment
        }
        if (c == '=' && valueStart < n && chars[valueStart] == '=') {
            return i + 2; // a comparison (==), not an assignment
        }
        while (valueStart < n && (chars[valueStart] == ' ' || chars[valueStart] == '\t')) {
            valueStart++;
        }
        char quote = valueStart < n ? chars[valueStart] : 0;
        boolean quoted = quote == '"' || quote == '\'' || quote == '`';
        if (quoted) {
            valueStart++;
        }
        int valueEnd = valueStart;
        int limit = Math.min(n, valueStart + MAX_VALUE);
        while (valueEnd < limit && !endsValue(chars[valueEnd], quoted, quote)) {
            valueEnd++;
        }
        if (valueEnd == limit && limit < n) {
            return i + 1; // longer than any credential: a blob, not an assignment we understand
        }
        if (!isRealValue(text, valueStart, valueEnd, kind)) {
            return i + 1;
        }
        out.add(new Finding(valueStart, valueEnd, kind.classifierName(key), DataClass.SECRETS));
        return Math.max(i + 1, valueEnd);
    }

    private enum Kind {
        PASSWORD,
        SECRET;

        String classifierName(String key) {
            // AWS calls it the secret access key; config files spell it every way.
            if (key.contains("secret")
                    && (key.contains("aws") || AWS_SECRET_KEY_NAME.matcher(key).matches())) {
                return "aws-secret-key";
            }
            if (key.contains("accountkey") || key.contains("sharedaccesskey")) {
                return "azure-storage-key";
            }
            return this == PASSWORD ? "password-assignment" : "secret-assignment";
        }
    }

    /**
     * Finds the identifier ending just before {@code separator} (skipping a closing quote and blanks) and, only
     * when it contains a keyword stem, copies it in lower case into {@code buffer}. Returns its length, or 0 when
     * there is no identifier, it is longer than a key can be, or it cannot be a secret's name. Most separators in
     * code and JSON end here, without a string being built.
     */
    private static int keyBefore(char[] text, int separator, char[] buffer) {
        int end = separator;
        while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t')) {
            end--;
        }
        if (end > 0 && (text[end - 1] == '"' || text[end - 1] == '\'')) {
            end--;
        }
        int start = end;
        while (start > 0 && end - start < MAX_KEY && isKeyChar(text[start - 1])) {
            start--;
        }
        if (end - start < 3 || (start > 0 && isKeyChar(text[start - 1])) || !hasStem(text, start, end)) {
            return 0;
        }
        for (int k = start; k < end; k++) {
            char ch = text[k];
            buffer[k - start] = Chars.isUpper(ch) ? (char) (ch + 32) : ch;
        }
        return end - start;
    }

    /** Whether {@code text[start, end)} contains, ignoring case, one of the stems every keyword has. */
    private static boolean hasStem(char[] text, int start, int end) {
        for (int i = start; i + 3 <= end; i++) {
            char a = lower(text[i]);
            char b = lower(text[i + 1]);
            char c = lower(text[i + 2]);
            boolean stem = switch (a) {
                case 'p' -> (b == 'a' && c == 's') || (b == 'w' && c == 'd');
                case 's' -> b == 'e' && c == 'c';
                case 't' -> b == 'o' && c == 'k';
                case 'k' -> b == 'e' && c == 'y';
                case 'c' -> b == 'r' && c == 'e';
                default -> false;
            };
            if (stem) {
                return true;
            }
        }
        return false;
    }

    private static char lower(char c) {
        return Chars.isUpper(c) ? (char) (c + 32) : c;
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
        return value.endsWith("()")
                || value.contains("(")
                || PROPERTY_PATH.matcher(value).matches();
    }
}
