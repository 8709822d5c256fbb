package io.mcpguard.proxy.mask;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Masks every string value of a JSON tree in place: a tool result's {@code content[].text} and
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

    /** Masks {@code node} in place; what was masked is added to {@code counts}. */
    public void mask(JsonNode node, MaskRule rule, MaskCounts counts) {
        if (rule.classes().isEmpty()) {
            return;
        }
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode value = field.getValue();
                if (value.isTextual()) {
                    String masked = texts.mask(value.asText(), rule, counts);
                    if (!masked.equals(value.asText())) {
                        field.setValue(TextNode.valueOf(masked));
                    }
                } else {
                    mask(value, rule, counts);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = array.get(i);
                if (value.isTextual()) {
                    String masked = texts.mask(value.asText(), rule, counts);
                    if (!masked.equals(value.asText())) {
                        array.set(i, TextNode.valueOf(masked));
                    }
                } else {
                    mask(value, rule, counts);
                }
            }
        }
    }
}
