package io.mcpguard.proxy.mask;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns whatever an upstream put in an error body into a clean JSON-RPC error: no stack trace, no exception class
 * name, no file path, no internal host. An MCP server's internals are an attacker's map; a client needs the code
 * and a sentence.
 *
 * <p>Knows the shapes seen in the wild: a proper JSON-RPC error (kept, its message and string data cleaned), the
 * MCP Java SDK's serialised exception ({@code stackTrace}, {@code localizedMessage}, {@code jsonRpcError}…, see the
 * reference note), and plain text or HTML pages.
 */
public final class UpstreamErrorSanitizer {
    private static final int INTERNAL_ERROR = -32603;
    private static final int MAX_MESSAGE = 300;
    private static final List<Pattern> STACK_LINES = List.of(
            Pattern.compile("(?m)^\\s*at [\\w.$/<>]+\\(.*\\)\\s*$"), // Java frame
            Pattern.compile("(?m)^\\s*\\.\\.\\. \\d+ (more|common frames omitted)\\s*$"),
            Pattern.compile("(?m)^\\s*(Caused by|Suppressed): .*$"),
            Pattern.compile("(?m)^Traceback \\(most recent call last\\):\\s*$"), // Python
            Pattern.compile("(?m)^\\s*File \".*\", line \\d+.*$"),
            Pattern.compile("(?m)^\\s+at .+ \\(.+:\\d+:\\d+\\)\\s*$")); // Node
    /** {@code java.lang.IllegalStateException: } and the like: the class goes, the sentence stays. */
    private static final Pattern EXCEPTION_CLASS = Pattern.compile(
            "\\b(?:[a-z_][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error|Throwable|Fault)\\b:?\\s*");

    private static final Pattern FILE_PATH =
            Pattern.compile("(?:file://)?(?:/(?:home|usr|opt|var|srv|app|tmp|etc|root|Users|workspace|build)[\\w./-]*"
                    + "|[A-Za-z]:\\\\[\\w\\\\. -]+)(?::\\d+)?");
    private static final Pattern HTML = Pattern.compile("(?s)<[^>]{1,200}>");

    private final TextMasker masker;
    private final MaskRule infrastructure;

    /** @param masker used to remove internal host names and private addresses from what remains */
    public UpstreamErrorSanitizer(TextMasker masker) {
        this.masker = masker;
        this.infrastructure = new MaskRule(
                java.util.EnumSet.of(DataClass.INTERNAL_INFRASTRUCTURE, DataClass.SECRETS, DataClass.CREDENTIALS),
                java.util.Map.of(),
                null);
    }

    /**
     * A clean JSON-RPC error response for an upstream error body.
     *
     * @param body the parsed body, or null when it was not JSON
     * @param rawText the body as text (used when it was not JSON)
     * @param id the request id to answer, or null
     * @param fallbackMessage what to say when nothing usable remains (e.g. "MCP server error (HTTP 500)")
     */
    public ObjectNode sanitize(JsonNode body, String rawText, JsonNode id, String fallbackMessage) {
        int code = INTERNAL_ERROR;
        String message = null;
        JsonNode data = null;
        if (body != null && body.has("error") && body.get("error").isObject()) { // a JSON-RPC error
            JsonNode error = body.get("error");
            code = error.path("code").canConvertToInt() ? error.path("code").asInt() : INTERNAL_ERROR;
            message = error.path("message").asText(null);
            data = error.get("data");
            if (id == null && body.has("id") && !body.get("id").isNull()) {
                id = body.get("id");
            }
        } else if (body != null && (body.has("stackTrace") || body.has("localizedMessage"))) { // SDK exception
            JsonNode inner = body.path("jsonRpcError");
            code = inner.path("code").canConvertToInt() ? inner.path("code").asInt() : INTERNAL_ERROR;
            message = inner.path("message").asText(body.path("message").asText(null));
        } else if (body != null && body.has("message")) {
            message = body.path("message").asText(null);
        } else if (rawText != null && !rawText.isBlank()) {
            message = rawText;
        }
        String clean = message == null ? "" : cleanText(message);
        ObjectNode response = JsonNodeFactory.instance.objectNode();
        response.put("jsonrpc", "2.0");
        response.set("id", id == null ? NullNode.getInstance() : id);
        ObjectNode error = response.putObject("error");
        error.put("code", code);
        error.put("message", clean.isBlank() ? fallbackMessage : clean);
        if (data != null && data.isTextual()) {
            String cleanData = cleanText(data.asText());
            if (!cleanData.isBlank()) {
                error.put("data", cleanData);
            }
        }
        // Structured data is dropped: it is where servers put causes, frames and request dumps.
        return response;
    }

    /** The text without stack frames, exception class names, file paths, markup and internal hosts; one line. */
    public String cleanText(String text) {
        String out = HTML.matcher(text).replaceAll("\n"); // markup first: a frame in <pre> is then a line of its own
        for (Pattern line : STACK_LINES) {
            out = line.matcher(out).replaceAll("");
        }
        out = EXCEPTION_CLASS.matcher(out).replaceAll("");
        out = FILE_PATH.matcher(out).replaceAll("[path]");
        out = masker.mask(out, infrastructure, new MaskCounts());
        out = out.replaceAll("\\s+", " ").trim();
        return out.length() > MAX_MESSAGE ? out.substring(0, MAX_MESSAGE) + "…" : out;
    }
}
