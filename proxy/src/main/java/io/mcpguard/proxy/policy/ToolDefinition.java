package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The fingerprint of a tool's definition as a server advertises it: SHA-256 of the canonical JSON of what a model
 * reads and a client obeys — name, title, description, input and output schemas, annotations. Canonical: object
 * members sorted by name at every depth, no insignificant whitespace, so a server that reorders members keeps its
 * fingerprint and one that changes a word of a description does not. {@code _meta} is left out: it carries
 * transport details servers change freely.
 */
public final class ToolDefinition {
    private static final List<String> FIELDS =
            List.of("name", "title", "description", "inputSchema", "outputSchema", "annotations");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolDefinition() {}

    /** {@code sha256:} and the lower-case hex digest of {@code tool}'s canonical definition. */
    public static String fingerprint(JsonNode tool) {
        return fingerprintOf(canonicalText(tool));
    }

    /** The fingerprint of a definition already in its canonical text ({@link #canonicalText}). */
    public static String fingerprintOf(String canonical) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static JsonNode canonical(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            names.sort(null); // UTF-16 code unit order, like JCS (RFC 8785)
            ObjectNode sorted = JsonNodeFactory.instance.objectNode();
            for (String name : names) {
                sorted.set(name, canonical(object.get(name)));
            }
            return sorted;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode(array.size());
            array.forEach(element -> copy.add(canonical(element)));
            return copy;
        }
        return node;
    }

    /** The canonical definition, as text: what the fingerprint is taken of, for a reviewer comparing two. */
    public static String canonicalText(JsonNode tool) {
        ObjectNode definition = JsonNodeFactory.instance.objectNode();
        for (String field : FIELDS) {
            JsonNode value = tool.get(field);
            if (value != null && !value.isNull()) {
                definition.set(field, value);
            }
        }
        try {
            return JSON.writeValueAsString(canonical(definition));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a tool definition", e);
        }
    }
}
