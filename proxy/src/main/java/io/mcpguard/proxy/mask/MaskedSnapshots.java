package io.mcpguard.proxy.mask;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;

/**
 * Masked, bounded JSON copies of tool arguments and results, for an audit trail that opted in to record them
 * ({@code audit.record-tool-calls}). Every maskable class is masked, whatever the decision let the caller see: the
 * trail's readers are not the caller, and a trail outlives the answer. The original is never changed.
 *
 * <p>Like the answer path, the masker leaves object keys, numbers and booleans as they are. Thread-safe.
 */
public final class MaskedSnapshots {
    private static final List<String> EVERY_CLASS = List.of("secret", "personal_data", "internal_infrastructure");

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
        // Wrapped, so that a bare string value is masked too (the masker rewrites strings inside containers).
        ArrayNode holder = JsonNodeFactory.instance.arrayNode().add(value.deepCopy());
        masker.mask(holder, rules.fromPolicy(EVERY_CLASS, tenant), new MaskCounts());
        String json = holder.get(0).toString();
        if (json.length() <= maxChars) {
            return json;
        }
        int cut = Character.isHighSurrogate(json.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return json.substring(0, cut) + "…[" + (json.length() - cut) + " more characters not recorded]";
    }
}
