package io.mcpguard.proxy.mask;

import java.util.List;

/**
 * A value the client chose, made fit for a span, a metric or a log line: a method or tool name, a request id, a
 * resource URI, a policy reason that quotes one. A name can be anything, a credential pasted in the wrong place
 * included, and the trail keeps it long after the request. Every maskable class is redacted (never hashed: the
 * result must stay low in cardinality), random-looking tokens too, and the value is cut to {@value #MAX_CHARS}
 * characters. A name that holds nothing to mask is kept as it is.
 *
 * <p>Thread-safe; a scan of a short string per recorded value.
 */
public final class ClientText {
    static final int MAX_CHARS = 128;

    private final TextMasker texts;
    private final MaskRule everything =
            MaskRules.redactAll().fromPolicy(List.of("secret", "personal_data", "internal_infrastructure"), null);

    public ClientText(TextMasker texts) {
        this.texts = texts;
    }

    /** {@code value} with what must not be kept redacted and cut to length; null for null. */
    public String of(String value) {
        if (value == null) {
            return null;
        }
        String clean = MaskedSnapshots.redacted(texts.mask(value, everything, new MaskCounts()));
        if (clean.length() <= MAX_CHARS) {
            return clean;
        }
        int cut = Character.isHighSurrogate(clean.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
        return clean.substring(0, cut) + "…";
    }

    /** Each of {@code values} through {@link #of(String)}. */
    public List<String> of(List<String> values) {
        return values == null ? null : values.stream().map(this::of).toList();
    }
}
