package io.mcpguard.proxy.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.mask.MaskRule;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/**
 * Masks the text inside base64 content of a textual media type: an embedded resource's {@code blob} ({@code
 * resources/read}, a tool result's {@code resource} item) is a file's bytes, and a secret in a YAML file sent as a
 * blob is a secret all the same. The blob is decoded, masked like any text, and encoded again only when something
 * was masked. Binary content (images, audio, archives) carries no text to mask and is left as it is.
 */
final class TextualBlobs {
    private static final Set<String> TEXTUAL_APPLICATION_TYPES = Set.of(
            "application/json",
            "application/xml",
            "application/yaml",
            "application/x-yaml",
            "application/toml",
            "application/javascript",
            "application/ecmascript",
            "application/x-sh",
            "application/sql",
            "application/graphql",
            "application/x-www-form-urlencoded",
            "application/x-httpd-php",
            "application/x-properties");

    private TextualBlobs() {}

    /** Masks, in place, every textual blob under {@code node}. */
    static void mask(JsonNode node, MaskRule rule, MaskCounts counts, JsonMasker masker) {
        if (rule.classes().isEmpty()) {
            return;
        }
        if (node instanceof ObjectNode object) {
            JsonNode blob = object.get("blob");
            JsonNode mimeType = object.get("mimeType");
            if (blob != null && blob.isTextual() && mimeType != null && isTextual(mimeType.asText())) {
                String masked = maskBlob(blob.asText(), rule, counts, masker);
                if (masked != null) {
                    object.put("blob", masked);
                }
            }
            for (Iterator<JsonNode> values = object.elements(); values.hasNext(); ) {
                JsonNode value = values.next();
                if (value.isContainerNode()) {
                    mask(value, rule, counts, masker);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (JsonNode value : array) {
                if (value.isContainerNode()) {
                    mask(value, rule, counts, masker);
                }
            }
        }
    }

    /** The blob re-encoded with its text masked, or null when nothing was masked (or it is no base64). */
    private static String maskBlob(String base64, MaskRule rule, MaskCounts counts, JsonMasker masker) {
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null; // not base64: the text masker already read it as it is
        }
        // Text that is no valid UTF-8 is read as Latin-1, which maps every byte to one char and back unchanged.
        Charset charset = isUtf8(bytes) ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        String text = new String(bytes, charset);
        String masked = masker.maskText(text, rule, counts);
        return masked.equals(text) ? null : Base64.getEncoder().encodeToString(masked.getBytes(charset));
    }

    static boolean isTextual(String mimeType) {
        String type = mimeType.toLowerCase(Locale.ROOT);
        int parameters = type.indexOf(';');
        if (parameters >= 0) {
            type = type.substring(0, parameters);
        }
        type = type.trim();
        return type.startsWith("text/")
                || type.endsWith("+json")
                || type.endsWith("+xml")
                || type.endsWith("+yaml")
                || TEXTUAL_APPLICATION_TYPES.contains(type);
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
