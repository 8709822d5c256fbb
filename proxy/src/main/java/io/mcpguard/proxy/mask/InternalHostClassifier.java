package io.mcpguard.proxy.mask;

import java.util.List;
import java.util.Locale;

/**
 * Host names under the organisation's internal domains ({@code db-primary.acme-corp.internal}), from a configured
 * list of suffixes. Anchored on each suffix; the host is the run of label characters before it. Matched in lower
 * case only: host names are written that way in practice, and a case-insensitive search would cost a copy of
 * every answer.
 */
final class InternalHostClassifier extends KeywordClassifier {
    /** @param domains internal domains, e.g. {@code internal}, {@code corp.example.com} (leading dot optional) */
    InternalHostClassifier(List<String> domains) {
        super(domains.stream()
                .map(d -> d.toLowerCase(Locale.ROOT))
                .map(d -> d.startsWith(".") ? d : "." + d)
                .distinct()
                .toList());
    }

    @Override
    public void scan(String text, char[] chars, KeywordHits hits, List<Finding> out) {
        for (int h = 0; h < hits.size(); h++) {
            int at = hits.start(h);
            String suffix = keywords().get(hits.keyword(h));
            if (!text.startsWith(suffix, at)) {
                continue; // in upper case: see the class comment
            }
            int end = at + suffix.length();
            if (end < text.length() && isLabelChar(text.charAt(end))) {
                continue; // ".internal" inside ".internals" or ".internal-api": not this domain
            }
            int start = at;
            while (start > 0 && (isLabelChar(text.charAt(start - 1)) || text.charAt(start - 1) == '.')) {
                start--;
            }
            if (start < at && Chars.isAlnum(text.charAt(start))) {
                out.add(new Finding(start, end, "internal-hostname", DataClass.INTERNAL_INFRASTRUCTURE));
            }
        }
    }

    private static boolean isLabelChar(char c) {
        return Chars.isAlnum(c) || c == '-';
    }
}
