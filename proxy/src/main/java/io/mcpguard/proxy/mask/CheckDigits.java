package io.mcpguard.proxy.mask;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The named checks a pattern rule's {@code validator} can ask for: the published check-digit algorithms of payment
 * cards and national identifiers, and the structural rules of identifiers that have no check digit. A pattern finds
 * the shape; the check removes the numbers of the same shape that are not such an identifier (order numbers, ids),
 * which is what keeps the near-miss corpus clean. Each check takes the matched text with separators (blanks, dashes,
 * dots, slashes) still in it.
 */
enum CheckDigits {
    /** Payment cards, Canadian SIN, Swedish personnummer (Luhn mod 10). */
    LUHN(v -> luhn(digits(v))),
    /** IBAN: ISO 13616 mod 97. */
    IBAN(v -> {
        String c = compact(v).toUpperCase(Locale.ROOT);
        return c.length() >= 15
                && c.chars().allMatch(ch -> Chars.isDigit((char) ch) || Chars.isUpper((char) ch))
                && IbanClassifier.mod97(c) == 1;
    }),
    /** HTTP Basic and registry {@code auth} values: base64 that decodes to printable {@code user:password}. */
    BASIC_AUTH(v -> {
        byte[] decoded = java.util.Base64.getDecoder().decode(v.strip());
        int colon = -1;
        for (int i = 0; i < decoded.length; i++) {
            int b = decoded[i] & 0xff;
            if (b < 0x20 || b == 0x7f) {
                return false;
            }
            if (b == ':' && colon < 0) {
                colon = i;
            }
        }
        return colon > 0 && colon < decoded.length - 1;
    }),
    /** US Social Security Number: no 000, 666 or 9xx area, no 00 group, no 0000 serial. */
    US_SSN(v -> usSsn(digits(v))),
    /** US Individual Taxpayer Identification Number: 9xx, group 50–65, 70–88, 90–92, 94–99. */
    US_ITIN(v -> {
        String d = digits(v);
        if (d.length() != 9 || d.charAt(0) != '9') {
            return false;
        }
        int g = Integer.parseInt(d.substring(3, 5));
        return (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || g >= 94;
    }),
    /** US bank routing (ABA) number: weights 3, 7, 1 mod 10. */
    US_ABA_ROUTING(v -> weighted(digits(v), new int[] {3, 7, 1, 3, 7, 1, 3, 7, 1}, 10) == 0),
    /** UK National Insurance number: no check digit; the prefixes HMRC never issues are excluded. */
    UK_NINO(v -> {
        String c = compact(v).toUpperCase(Locale.ROOT);
        if (c.length() != 9) {
            return false;
        }
        String prefix = c.substring(0, 2);
        return !Arrays.asList("BG", "GB", "KN", "NK", "NT", "TN", "ZZ").contains(prefix)
                && "DFIQUV".indexOf(c.charAt(0)) < 0
                && "DFIOQUV".indexOf(c.charAt(1)) < 0;
    }),
    /** UK NHS number: weights 10..2 mod 11. */
    UK_NHS(v -> {
        String d = digits(v);
        if (d.length() != 10) {
            return false;
        }
        int check = 11 - weighted(d.substring(0, 9), new int[] {10, 9, 8, 7, 6, 5, 4, 3, 2}, 11);
        check = check == 11 ? 0 : check;
        return check != 10 && check == d.charAt(9) - '0';
    }),
    /** Dutch BSN: the "11-proef" (weights 9..2 and -1). */
    NL_BSN(v -> {
        String d = digits(v);
        if (d.length() != 9) {
            return false;
        }
        int sum = -(d.charAt(8) - '0');
        for (int i = 0; i < 8; i++) {
            sum += (9 - i) * (d.charAt(i) - '0');
        }
        return sum % 11 == 0 && !d.equals("000000000");
    }),
    /** Spanish DNI/NIF and NIE: the control letter of the number mod 23. */
    ES_DNI(v -> {
        String c = compact(v).toUpperCase(Locale.ROOT);
        if (c.length() != 9) {
            return false;
        }
        String number = switch (c.charAt(0)) {
            case 'X' -> "0" + c.substring(1, 8);
            case 'Y' -> "1" + c.substring(1, 8);
            case 'Z' -> "2" + c.substring(1, 8);
            default -> c.substring(0, 8);
        };
        if (!number.chars().allMatch(ch -> Chars.isDigit((char) ch))) {
            return false;
        }
        return "TRWAGMYFPDXBNJZSQVHLCKE".charAt(Integer.parseInt(number) % 23) == c.charAt(8);
    }),
    /** Italian codice fiscale: the control character over odd and even positions. */
    IT_FISCAL_CODE(v -> itFiscalCode(compact(v).toUpperCase(Locale.ROOT))),
    /** Polish PESEL: weights 1, 3, 7, 9 mod 10. */
    PL_PESEL(v -> {
        String d = digits(v);
        if (d.length() != 11) {
            return false;
        }
        int sum = weighted(d.substring(0, 10), new int[] {1, 3, 7, 9, 1, 3, 7, 9, 1, 3}, 10);
        return (10 - sum) % 10 == d.charAt(10) - '0';
    }),
    /** Finnish henkilötunnus: the nine digits mod 31 pick the control character. */
    FI_HETU(v -> {
        String c = v.toUpperCase(Locale.ROOT).strip();
        if (c.length() != 11) {
            return false;
        }
        String number = c.substring(0, 6) + c.substring(7, 10);
        if (!number.chars().allMatch(ch -> Chars.isDigit((char) ch))) {
            return false;
        }
        return "0123456789ABCDEFHJKLMNPRSTUVWXY".charAt(Integer.parseInt(number) % 31) == c.charAt(10);
    }),
    /** Swedish personnummer: Luhn over the last ten digits. */
    SE_PERSONNUMMER(v -> {
        String d = digits(v);
        return (d.length() == 10 || d.length() == 12) && luhn(d.substring(d.length() - 10));
    }),
    /** French NIR (numéro de sécurité sociale): key = 97 - number mod 97; Corsica's 2A/2B count as 19/18. */
    FR_NIR(v -> {
        String c = compact(v).toUpperCase(Locale.ROOT).replace("2A", "19").replace("2B", "18");
        if (c.length() != 15 || !c.chars().allMatch(ch -> Chars.isDigit((char) ch))) {
            return false;
        }
        long number = Long.parseLong(c.substring(0, 13));
        return 97 - number % 97 == Integer.parseInt(c.substring(13));
    }),
    /** Belgian national register number: 97 minus the first nine digits mod 97 (born 2000+: with a 2 before). */
    BE_NATIONAL_NUMBER(v -> {
        String d = digits(v);
        if (d.length() != 11) {
            return false;
        }
        long first = Long.parseLong(d.substring(0, 9));
        int check = Integer.parseInt(d.substring(9));
        return 97 - first % 97 == check || 97 - (2_000_000_000L + first) % 97 == check;
    }),
    /** Portuguese NIF: weights 9..2 mod 11. */
    PT_NIF(v -> {
        String d = digits(v);
        if (d.length() != 9) {
            return false;
        }
        int check = 11 - weighted(d.substring(0, 8), new int[] {9, 8, 7, 6, 5, 4, 3, 2}, 11);
        return (check >= 10 ? 0 : check) == d.charAt(8) - '0';
    }),
    /** German Steuer-ID: ISO 7064 MOD 11,10. */
    DE_TAX_ID(v -> {
        String d = digits(v);
        if (d.length() != 11 || d.charAt(0) == '0') {
            return false;
        }
        int product = 10;
        for (int i = 0; i < 10; i++) {
            int sum = (d.charAt(i) - '0' + product) % 10;
            product = (sum == 0 ? 10 : sum) * 2 % 11;
        }
        int check = 11 - product;
        return (check == 10 ? 0 : check) == d.charAt(10) - '0';
    }),
    /** Irish PPS number: weights 8..2 over the digits (and 9 for a second letter) mod 23. */
    IE_PPSN(v -> {
        String c = compact(v).toUpperCase(Locale.ROOT);
        if (c.length() < 8 || c.length() > 9 || !c.substring(0, 7).chars().allMatch(ch -> Chars.isDigit((char) ch))) {
            return false;
        }
        int sum = weighted(c.substring(0, 7), new int[] {8, 7, 6, 5, 4, 3, 2}, Integer.MAX_VALUE);
        if (c.length() == 9 && c.charAt(8) != 'W') {
            sum += 9 * (c.charAt(8) - 'A' + 1);
        }
        return "WABCDEFGHIJKLMNOPQRSTUV".charAt(sum % 23) == c.charAt(7);
    }),
    /** Indian Aadhaar: Verhoeff, and never starting with 0 or 1. */
    IN_AADHAAR(v -> {
        String d = digits(v);
        return d.length() == 12 && d.charAt(0) >= '2' && verhoeff(d);
    }),
    /** Australian Tax File Number: weights 1, 4, 3, 7, 5, 8, 6, 9, 10 mod 11. */
    AU_TFN(v -> {
        String d = digits(v);
        return d.length() == 9 && weighted(d, new int[] {1, 4, 3, 7, 5, 8, 6, 9, 10}, 11) == 0;
    }),
    /** Singapore NRIC/FIN: weights 2, 7, 6, 5, 4, 3, 2 plus an offset per prefix, mod 11 to a letter. */
    SG_NRIC(v -> {
        String c = compact(v).toUpperCase(Locale.ROOT);
        if (c.length() != 9 || !c.substring(1, 8).chars().allMatch(ch -> Chars.isDigit((char) ch))) {
            return false;
        }
        int sum = weighted(c.substring(1, 8), new int[] {2, 7, 6, 5, 4, 3, 2}, Integer.MAX_VALUE);
        char prefix = c.charAt(0);
        if (prefix == 'T' || prefix == 'G') {
            sum += 4;
        } else if (prefix == 'M') {
            sum += 3;
        }
        String letters = switch (prefix) {
            case 'S', 'T' -> "JZIHGFEDCBA";
            case 'F', 'G' -> "XWUTRQPNMLK";
            case 'M' -> "KLJNPQRTUWX";
            default -> null;
        };
        return letters != null && letters.charAt(sum % 11) == c.charAt(8);
    });

    private static final Map<String, CheckDigits> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(CheckDigits::ruleName, c -> c));

    private final Predicate<String> check;

    CheckDigits(Predicate<String> check) {
        this.check = check;
    }

    /** Whether {@code value} (the matched text) passes; a value of the wrong length or alphabet never does. */
    boolean test(String value) {
        try {
            return check.test(value);
        } catch (RuntimeException e) { // a malformed number the pattern let through: not this identifier
            return false;
        }
    }

    /** The name a rules file uses: {@code luhn}, {@code us-ssn}, {@code it-fiscal-code}. */
    String ruleName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The check named {@code name} in a rules file, or null when there is none of that name. */
    static CheckDigits named(String name) {
        return BY_NAME.get(name);
    }

    static String names() {
        return Arrays.stream(values()).map(CheckDigits::ruleName).sorted().collect(Collectors.joining(", "));
    }

    private static String digits(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Chars.isDigit(c)) {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The value without separators: blanks, dashes, dots and slashes. */
    private static String compact(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != ' ' && c != '-' && c != '.' && c != '/' && c != '\t') {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int weighted(String digits, int[] weights, int modulus) {
        int sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i] * (digits.charAt(i) - '0');
        }
        return sum % modulus;
    }

    static boolean luhn(String digits) {
        return digits.length() >= 2 && NumberPatterns.luhn(digits);
    }

    private static boolean usSsn(String d) {
        if (d.length() != 9) {
            return false;
        }
        int area = Integer.parseInt(d.substring(0, 3));
        return area != 0
                && area != 666
                && area < 900
                && !d.substring(3, 5).equals("00")
                && !d.substring(5).equals("0000")
                && !d.equals("123456789")
                && !d.chars().allMatch(c -> c == d.charAt(0));
    }

    private static boolean itFiscalCode(String c) {
        if (c.length() != 16) {
            return false;
        }
        int[] odd = {1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};
        int sum = 0;
        for (int i = 0; i < 15; i++) {
            char ch = c.charAt(i);
            int value;
            if (Chars.isDigit(ch)) {
                value = ch - '0';
            } else if (Chars.isUpper(ch)) {
                value = ch - 'A';
            } else {
                return false;
            }
            sum += i % 2 == 0 ? odd[value] : value; // positions count from 1: index 0 is "odd"
        }
        return (char) ('A' + sum % 26) == c.charAt(15);
    }

    private static final int[][] VERHOEFF_D = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
        {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
        {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
        {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
        {4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
        {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
        {6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
        {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
        {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
        {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}
    };
    private static final int[][] VERHOEFF_P = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
        {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
        {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
        {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
        {9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
        {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
        {2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
        {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}
    };

    private static boolean verhoeff(String digits) {
        int c = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = digits.charAt(digits.length() - 1 - i) - '0';
            c = VERHOEFF_D[c][VERHOEFF_P[i % 8][d]];
        }
        return c == 0;
    }
}
