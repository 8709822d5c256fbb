package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

/**
 * Rego's {@code sprintf} as OPA's own evaluator computes it, for the Wasm engine, whose module asks its host for this
 * builtin. OPA hands the arguments to Go's {@code fmt.Sprintf}: strings as Go strings, integral numbers as {@code int64}
 * or, beyond it, {@code *big.Int}, other numbers as {@code float64}, anything else as its Rego text ({@code ["a", "b"]},
 * {@code {"k": 1}}). {@code RegoSprintfAgainstOpaTest} holds this class to the pinned OPA binary's output.
 *
 * <p>The verbs a policy writes — {@code %s}, {@code %v}, {@code %d}, {@code %q}, {@code %%} — follow Go exactly,
 * including Go's {@code %!d(string=x)} for a wrong type and {@code %!s(MISSING)} / {@code %!(EXTRA ...)} for a wrong
 * count, so both engines produce the same reason texts byte for byte. A flag, a width, a precision or another verb is
 * refused ({@link IllegalArgumentException}): the evaluation fails and the decision is denied rather than worded
 * differently from OPA.
 *
 * <p>Limits: the Wasm module passes arguments as JSON, so a Rego set arrives as an array and is shown as {@code [...]}
 * where OPA shows {@code {...}}; a number beyond {@code float64} is refused (OPA prints its text). The repository's
 * policies format only strings and numbers.
 */
final class RegoSprintf {
    private RegoSprintf() {}

    static String format(JsonNode format, JsonNode arguments) {
        if (format == null || !format.isTextual()) {
            throw new IllegalArgumentException("sprintf: operand 1 must be a string");
        }
        if (arguments == null || !arguments.isArray()) {
            throw new IllegalArgumentException("sprintf: operand 2 must be an array");
        }
        String pattern = format.asText();
        StringBuilder out = new StringBuilder(pattern.length() + 32);
        int next = 0;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 1 >= pattern.length()) {
                out.append("%!(NOVERB)");
                break;
            }
            char verb = pattern.charAt(++i);
            if (verb == '%') {
                out.append('%');
                continue;
            }
            if ("sdvq".indexOf(verb) < 0) {
                throw new IllegalArgumentException("sprintf: the Wasm engine does not support the format %" + verb);
            }
            if (next >= arguments.size()) {
                out.append("%!").append(verb).append("(MISSING)");
                continue;
            }
            verb(out, verb, arguments.get(next++));
        }
        if (next < arguments.size()) {
            out.append("%!(EXTRA ");
            for (int a = next; a < arguments.size(); a++) {
                if (a > next) {
                    out.append(", ");
                }
                JsonNode arg = arguments.get(a);
                out.append(goType(arg)).append('=').append(plain(arg));
            }
            out.append(')');
        }
        return out.toString();
    }

    private static void verb(StringBuilder out, char verb, JsonNode arg) {
        switch (verb) {
            case 's', 'v' -> {
                if (verb == 's' && arg.isNumber() && !goType(arg).equals("*big.Int")) {
                    // Go prints a number under %s as %!s(int64=5); %v prints it plainly, and a *big.Int formats
                    // itself under both.
                    out.append("%!s(")
                            .append(goType(arg))
                            .append('=')
                            .append(plain(arg))
                            .append(')');
                } else {
                    out.append(plain(arg));
                }
            }
            case 'd' -> {
                if (integral(arg) != null) {
                    out.append(integral(arg));
                } else {
                    out.append("%!d(")
                            .append(goType(arg))
                            .append('=')
                            .append(plain(arg))
                            .append(')');
                }
            }
            case 'q' -> {
                if (arg.isNumber()) {
                    throw new IllegalArgumentException("sprintf: the Wasm engine does not support %q of a number");
                }
                quote(out, plain(arg));
            }
            default -> throw new IllegalStateException();
        }
    }

    /** The integer a number is, when OPA would hand Go an integer for it; else null. */
    private static BigInteger integral(JsonNode arg) {
        if (!arg.isNumber()) {
            return null;
        }
        if (arg.isIntegralNumber()) {
            return arg.bigIntegerValue();
        }
        // OPA keeps numbers as their JSON text; "2.0" does not parse as an integer there.
        return null;
    }

    private static String goType(JsonNode arg) {
        if (arg.isTextual()) {
            return "string";
        }
        if (arg.isNumber()) {
            BigInteger n = integral(arg);
            if (n == null) {
                return "float64";
            }
            return n.bitLength() < 64 ? "int64" : "*big.Int";
        }
        return "string";
    }

    /** What Go's {@code %v} prints for the argument OPA hands it. */
    private static String plain(JsonNode arg) {
        if (arg.isTextual()) {
            return arg.asText();
        }
        if (arg.isNumber()) {
            BigInteger n = integral(arg);
            return n != null ? n.toString() : goFloat(arg.doubleValue());
        }
        StringBuilder out = new StringBuilder();
        rego(out, arg);
        return out.toString();
    }

    /**
     * Go's {@code %v} of a float64 ({@code strconv}'s shortest {@code %g}): the shortest digits that read back, in
     * exponent form when the decimal exponent is below -4 or at least 6 ({@code 1e+06}, {@code 1.5e-05}).
     */
    private static String goFloat(double d) {
        if (Double.isInfinite(d)) {
            // OPA prints the number's text; the decoded number no longer has it. Refused rather than worded otherwise.
            throw new IllegalArgumentException("sprintf: the Wasm engine does not support a number beyond float64");
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0" : "0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = exact.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - exact.scale();
        if (exponent >= -4 && exponent < 6) {
            return exact.toPlainString();
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "")
                + Math.abs(exponent);
    }

    /** A value's Rego text, as OPA's {@code ast.Term.String()} writes it. */
    private static void rego(StringBuilder out, JsonNode value) {
        if (value.isTextual()) {
            quote(out, value.asText());
        } else if (value.isArray()) {
            out.append('[');
            for (int i = 0; i < value.size(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                rego(out, value.get(i));
            }
            out.append(']');
        } else if (value.isObject()) {
            // OPA sorts object keys in its Rego text.
            java.util.TreeMap<String, JsonNode> sorted = new java.util.TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                sorted.put(field.getKey(), field.getValue());
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> field : sorted.entrySet()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                quote(out, field.getKey());
                out.append(": ");
                rego(out, field.getValue());
            }
            out.append('}');
        } else {
            out.append(value.isNumber() ? plain(value) : value.toString());
        }
    }

    /** Go's {@code strconv.Quote}: printable characters kept, the rest escaped. */
    static void quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case 0x07 -> out.append("\\a");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case 0x0b -> out.append("\\v");
                default -> {
                    if (printable(cp)) {
                        out.appendCodePoint(cp);
                    } else if (cp < 0x80) {
                        out.append(String.format("\\x%02x", cp));
                    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                        // A lone surrogate: OPA's JSON decoder made it U+FFFD, which Go prints as it is.
                        out.append('\uFFFD');
                    } else if (cp < 0x10000) {
                        out.append(String.format("\\u%04x", cp));
                    } else {
                        out.append(String.format("\\U%08x", cp));
                    }
                }
            }
        }
        out.append('"');
    }

    /** Go's {@code unicode.IsPrint}: letters, marks, numbers, punctuation, symbols and the ASCII space. */
    private static boolean printable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER,
                    Character.LOWERCASE_LETTER,
                    Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER,
                    Character.OTHER_LETTER,
                    Character.NON_SPACING_MARK,
                    Character.ENCLOSING_MARK,
                    Character.COMBINING_SPACING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER,
                    Character.OTHER_NUMBER,
                    Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION,
                    Character.MATH_SYMBOL,
                    Character.CURRENCY_SYMBOL,
                    Character.MODIFIER_SYMBOL,
                    Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }
}
