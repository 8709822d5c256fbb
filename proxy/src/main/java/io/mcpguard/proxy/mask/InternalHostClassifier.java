package io.mcpguard.proxy.mask;

import java.util.List;
import java.util.Locale;

/**
 * Host names under the organisation's internal domains ({@code db-primary.acme-corp.internal}), from a configured
 * list of suffixes. Anchored on each suffix; the host is the run of label characters before it. Matched in lower
 * case only: host names are written that way in practice, and a case-insensitive search would cost a copy of
 * every answer.
 */
final class InternalHostClassifier implements Classifier {
    private final List<String> suffixes;

    /** @param domains internal domains, e.g. {@code internal}, {@code corp.example.com} (leading dot optional) */
    InternalHostClassifier(List<String> domains) {
        this.suffixes = domains.stream()
                .map(d -> d.toLowerCase(Locale.ROOT))
                .map(d -> d.startsWith(".") ? d : "." + d)
                .toList();
    }

    @Override
    public void scan(String text, char[] chars, List<Finding> out) {
        for (String suffix : suffixes) {
            for (int at = text.indexOf(suffix); at >= 0; at = text.indexOf(suffix, at + 1)) {
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
    }

    private static boolean isLabelChar(char c) {
        return Chars.isAlnum(c) || c == '-';
    }
}
