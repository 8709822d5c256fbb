package io.mcpguard.proxy.mask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * Vendor tokens that announce themselves with a fixed prefix (AWS {@code AKIA…}, GitHub {@code ghp_…}, Slack
 * {@code xoxb-…}, Atlassian {@code ATATT3…}). The prefixes of every format are found together in one pass of a
 * {@link KeywordPrefilter} automaton (one {@code indexOf} per prefix cost a pass over the text each, and there are a
 * score of them), in any case — the scanner's pass over every classifier's keywords ignores case — and then checked
 * case exact; a bounded run of the token's alphabet follows the prefix.
 */
final class PrefixedTokenClassifier extends KeywordClassifier {

    /** The token's characters after its prefix. */
    enum Alphabet {
        UPPER_ALNUM,
        ALNUM,
        BASE64URL,
        /** Atlassian tokens: base64url plus '='. */
        BASE64URL_PADDED,
        /** URL path tokens (webhooks): base64url plus '/'. */
        PATH;

        boolean contains(char c) {
            return switch (this) {
                case UPPER_ALNUM -> Chars.isUpper(c) || Chars.isDigit(c);
                case ALNUM -> Chars.isAlnum(c);
                case BASE64URL -> Chars.isBase64Url(c);
                case BASE64URL_PADDED -> Chars.isBase64Url(c) || c == '=';
                case PATH -> Chars.isBase64Url(c) || c == '/';
            };
        }
    }

    /**
     * One token format.
     *
     * @param name the classifier name its findings carry
     * @param prefixes case exact; where two could match at one place, the first listed is the one tried
     * @param minBody fewest characters after the prefix
     * @param maxBody most characters after the prefix; a longer run is not this token (it is something else that
     *     happens to start the same way)
     */
    record Format(String name, List<String> prefixes, Alphabet alphabet, int minBody, int maxBody) {
        Format {
            prefixes = List.copyOf(prefixes);
        }
    }

    private final List<Format> formats;
    /** By prefix, in the order the formats list them: the prefix, case exact, and the format it opens. */
    private final List<String> prefixes;

    private final int[] formatOf;

    PrefixedTokenClassifier(List<Format> formats) {
        super(lowerCase(prefixesOf(formats)));
        this.formats = List.copyOf(formats);
        this.prefixes = prefixesOf(formats);
        List<Integer> owners = new ArrayList<>();
        for (int f = 0; f < this.formats.size(); f++) {
            for (int p = 0; p < this.formats.get(f).prefixes().size(); p++) {
                owners.add(f);
            }
        }
        formatOf = owners.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<String> prefixesOf(List<Format> formats) {
        return formats.stream().flatMap(f -> f.prefixes().stream()).toList();
    }

    /** The prefixes as keywords: in lower case, which must keep them apart. */
    private static List<String> lowerCase(List<String> prefixes) {
        List<String> keywords =
                prefixes.stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
        if (new HashSet<>(keywords).size() != keywords.size()) {
            throw new IllegalArgumentException("two prefixes differ only in case");
        }
        return keywords;
    }

    @Override
    public void scan(String text, char[] chars, KeywordHits hits, List<Finding> out) {
        // Hits come by start, then by prefix index: at one start, a format's first listed prefix that matches is the
        // only one tried for that format.
        int[] triedAt = new int[formats.size()];
        Arrays.fill(triedAt, -1);
        for (int h = 0; h < hits.size(); h++) {
            int p = hits.keyword(h);
            int at = hits.start(h);
            String prefix = prefixes.get(p);
            if (!text.startsWith(prefix, at)) {
                continue; // the same letters in another case
            }
            int end = at + prefix.length();
            int f = formatOf[p];
            // No word start is asked for either: "auth_ghp_…" is a token behind a name, and each prefix is distinctive
            // enough, with its alphabet and length, not to be found inside ordinary words.
            if (triedAt[f] == at) {
                continue;
            }
            triedAt[f] = at;
            Format format = formats.get(f);
            int limit = Math.min(chars.length, end + format.maxBody() + 1);
            int stop = end;
            while (stop < limit && format.alphabet().contains(chars[stop])) {
                stop++;
            }
            int body = stop - end;
            // No word end is asked for: a token glued to what follows ("ghp_…_key") is still the token, and a
            // security product masks it rather than read the glue as proof of something else.
            if (body >= format.minBody() && body <= format.maxBody()) {
                out.add(new Finding(at, stop, format.name(), DataClass.SECRETS));
            }
        }
    }
}
