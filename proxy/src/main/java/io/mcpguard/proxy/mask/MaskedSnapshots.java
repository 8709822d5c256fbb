package io.mcpguard.proxy.mask;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masked, bounded JSON copies of tool arguments and results, for an audit trail that opted in to record them
 * ({@code audit.record-tool-calls}). Every maskable class is masked, whatever the decision let the caller see: the
 * trail's readers are not the caller, and a trail outlives the answer. The original is never changed.
 *
 * <p>Like the answer path, the masker leaves object keys, numbers and booleans as they are. Thread-safe.
 *
 * <p>Beyond the classes, a snapshot also redacts every long token that mixes upper case, lower case and digits
 * ({@code [REDACTED:high-entropy]}): a credential with no prefix or keyword to recognise it by (an AWS secret access
 * key pasted as a bare tool argument, say) looks like nothing else. The answer path does not do this (its reader
 * asked for the data); a trail can afford to lose a random-looking string. Commit hashes (lower-case hex), paths
 * and identifiers (few capitals and digits) are left alone.
 */
public final class MaskedSnapshots {
    private static final List<String> EVERY_CLASS = List.of("secret", "personal_data", "internal_infrastructure");
    /** Base64 / base64url runs (with padding), long enough to be a key rather than a word. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9+/=_-]{24,}");

    static final String HIGH_ENTROPY = "[REDACTED:high-entropy]";

    private final JsonMasker masker;
    private final MaskRules rules;
    private final int maxChars;

    /** @param maxChars the longest snapshot; a longer one is cut and says how much was cut */
    public MaskedSnapshots(JsonMasker masker, MaskRules rules, int maxChars) {
        if (maxChars < 64) {
            throw new IllegalArgumentException("maxChars must be at least 64");
        }
        this.masker = masker;
        this.rules = rules;
        this.maxChars = maxChars;
    }

    /** The JSON text of {@code value} with every maskable class masked, at most {@code maxChars} long (plus a note). */
    public String of(JsonNode value, String tenant) {
        String json = masked(value, tenant).toString();
        if (json.length() <= maxChars) {
            return json;
        }
        int cut = Character.isHighSurrogate(json.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return json.substring(0, cut) + "…[" + (json.length() - cut) + " more characters not recorded]";
    }

    /** A copy of {@code value} with every maskable class masked and random-looking tokens redacted, uncut. */
    public JsonNode masked(JsonNode value, String tenant) {
        // Wrapped, so that a bare string value is redacted in place like any other.
        ArrayNode holder = JsonNodeFactory.instance.arrayNode().add(value.deepCopy());
        masker.masked(holder, rules.fromPolicy(EVERY_CLASS, tenant), new MaskCounts());
        redactRandomLooking(holder);
        return holder.get(0);
    }

    /** Rewrites, in place, every string under {@code node} (not the keys) with its random-looking tokens redacted. */
    private static void redactRandomLooking(JsonNode node) {
        if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isTextual()) {
                    array.set(i, array.textNode(redacted(array.get(i).asText())));
                } else {
                    redactRandomLooking(array.get(i));
                }
            }
        } else if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> field : List.copyOf(object.properties())) {
                if (field.getValue().isTextual()) {
                    object.put(field.getKey(), redacted(field.getValue().asText()));
                } else {
                    redactRandomLooking(field.getValue());
                }
            }
        }
    }

    static String redacted(String text) {
        Matcher token = TOKEN.matcher(text);
        StringBuilder out = null;
        int copied = 0;
        while (token.find()) {
            if (randomLooking(token.group())) {
                if (out == null) {
                    out = new StringBuilder(text.length());
                }
                out.append(text, copied, token.start()).append(HIGH_ENTROPY);
                copied = token.end();
            }
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    /**
     * Mixed case and digits, and at least 30 % upper case or digits: random base64 has 56 % on average (a 24-char
     * key falls under 30 % about once in 200), a path or an identifier in camel case far less.
     */
    private static boolean randomLooking(String token) {
        int upper = 0;
        int digits = 0;
        boolean lower = false;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                upper++;
            } else if (c >= '0' && c <= '9') {
                digits++;
            } else if (c >= 'a' && c <= 'z') {
                lower = true;
            }
        }
        return upper > 0 && digits > 0 && lower && (upper + digits) * 10 >= token.length() * 3;
    }
}
