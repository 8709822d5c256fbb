package io.mcpguard.proxy.policy;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Markers of prompt injection in the text a server gives a model about its tools (descriptions, titles, schema
 * descriptions): characters a person reviewing the definition does not see, and instructions addressed to the model
 * or places to send data. The names go into the policy input; the text never does.
 */
public final class DescriptionFindings {
    /** Phrases that speak to the model rather than describe the tool; lower case, matched case-insensitively. */
    private static final Pattern INSTRUCTIONS = Pattern.compile(
            "ignore (all |any )?(previous|prior|above) (instructions|messages)"
                    + "|do not (tell|inform|mention (this )?to) the user"
                    + "|don't (tell|inform) the user"
                    + "|without (telling|informing) the user"
                    + "|<\\s*(important|system|instructions?)\\s*>"
                    + "|system prompt"
                    + "|before (using|calling) (this|any other) tool,? (you must |always )?(read|send|call)",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern URL = Pattern.compile("\\b(https?|ftp|wss?)://", Pattern.CASE_INSENSITIVE);

    private DescriptionFindings() {}

    /** The sorted names of what {@code text} holds: {@code invisible_characters}, {@code tag_characters}, ... */
    public static Set<String> of(String text) {
        Set<String> found = new TreeSet<>();
        if (text == null || text.isEmpty()) {
            return found;
        }
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (c >= 0xE0000 && c <= 0xE007F) {
                found.add("tag_characters"); // Unicode tags: ASCII text no one sees, read by models
            } else if (isBidiControl(c)) {
                found.add("bidi_controls");
            } else if (isInvisible(c)) {
                found.add("invisible_characters");
            }
            i += Character.charCount(c);
        }
        if (INSTRUCTIONS.matcher(text).find()) {
            found.add("instructions_to_the_model");
        }
        if (URL.matcher(text.toLowerCase(Locale.ROOT)).find()) {
            found.add("urls");
        }
        return found;
    }

    private static boolean isBidiControl(int c) {
        return (c >= 0x202A && c <= 0x202E)
                || (c >= 0x2066 && c <= 0x2069)
                || c == 0x200E
                || c == 0x200F
                || c == 0x061C;
    }

    private static boolean isInvisible(int c) {
        return (c >= 0x200B && c <= 0x200D)
                || c == 0x2060
                || (c >= 0x2061 && c <= 0x2064)
                || c == 0xFEFF
                || c == 0x00AD
                || c == 0x180E
                || (c >= 0xE0100 && c <= 0xE01EF); // supplementary variation selectors: a channel for hidden bytes
    }
}
