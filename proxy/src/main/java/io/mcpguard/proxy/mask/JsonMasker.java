package io.mcpguard.proxy.mask;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Masks every string value of a JSON tree: a tool result's {@code content[].text} and {@code structuredContent},
 * embedded resources, prompt messages, an error's message and data. Object keys are masked too (a server may key a
 * map by an e-mail address or a token): a key that holds a finding is renamed to its masked text. An integer is
 * masked when it is a payment card number as a whole (a server may store one as a number); it then becomes a
 * string, the one change of type masking makes. Other numbers, booleans and null keep their value: the other
 * numeric formats (phone numbers) match too many ids and timestamps to be told apart without their punctuation.
 */
public final class JsonMasker {
    private static final int CARD_MIN_DIGITS = 13;
    private static final int CARD_MAX_DIGITS = 19;

    private final TextMasker texts;

    public JsonMasker(TextMasker texts) {
        this.texts = texts;
    }

    /** Masks one text (an event's data that is no JSON); what was masked is added to {@code counts}. */
    public String maskText(String text, MaskRule rule, MaskCounts counts) {
        return rule.classes().isEmpty() ? text : texts.mask(text, rule, counts);
    }

    /**
     * Returns {@code value} masked; what was masked is added to {@code counts}. A container is masked in place and
     * returned itself. A string comes back as a new node: JSON-RPC allows any value as a {@code result} (and a server
     * may put a bare value where an object belongs), and a value outside any container cannot be rewritten in place,
     * so the caller puts the returned node where {@code value} was. Numbers, booleans and null come back as they are.
     */
    public JsonNode masked(JsonNode value, MaskRule rule, MaskCounts counts) {
        if (rule.classes().isEmpty()) {
            return value;
        }
        if (value.isTextual()) {
            String masked = texts.mask(value.asText(), rule, counts);
            return masked.equals(value.asText()) ? value : TextNode.valueOf(masked);
        }
        if (value.isIntegralNumber()) {
            String digits = value.asText();
            if (digits.length() < CARD_MIN_DIGITS || digits.length() > CARD_MAX_DIGITS) {
                return value;
            }
            String masked = texts.maskWhole(digits, "payment-card", rule, counts);
            return masked == null ? value : TextNode.valueOf(masked);
        }
        if (value instanceof ObjectNode object) {
            Map<String, String> renamed = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode masked = masked(field.getValue(), rule, counts);
                if (masked != field.getValue()) {
                    field.setValue(masked);
                }
                String key = texts.mask(field.getKey(), rule, counts);
                if (!key.equals(field.getKey())) {
                    renamed = renamed == null ? new java.util.HashMap<>() : renamed;
                    renamed.put(field.getKey(), key);
                }
            }
            if (renamed != null) {
                rename(object, renamed);
            }
        } else if (value instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode masked = masked(array.get(i), rule, counts);
                if (masked != array.get(i)) {
                    array.set(i, masked);
                }
            }
        }
        return value;
    }

    /**
     * Renames the keys that hold a finding to their masked text, keeping the order; two keys masked alike (two
     * addresses, redacted) stay apart by a {@code #2}, {@code #3} suffix, as a JSON object cannot hold both.
     */
    private static void rename(ObjectNode object, Map<String, String> renamed) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        object.fields().forEachRemaining(field -> fields.put(field.getKey(), field.getValue()));
        object.removeAll();
        for (Map.Entry<String, JsonNode> field : fields.entrySet()) {
            String key = renamed.getOrDefault(field.getKey(), field.getKey());
            String unique = key;
            for (int n = 2; object.has(unique) || (!unique.equals(field.getKey()) && fields.containsKey(unique)); n++) {
                unique = key + "#" + n;
            }
            object.set(unique, field.getValue());
        }
    }
}
