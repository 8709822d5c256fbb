package io.mcpguard.proxy.mask;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Masks every string value of a JSON tree: a tool result's {@code content[].text} and
 * {@code structuredContent}, embedded resources, prompt messages, an error's message and data. Numbers and
 * booleans keep their type and value (masking a number would have to turn it into a string); object keys are
 * left as they are, so the shape the client expects is unchanged.
 */
public final class JsonMasker {
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
        if (value instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode masked = masked(field.getValue(), rule, counts);
                if (masked != field.getValue()) {
                    field.setValue(masked);
                }
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
}
