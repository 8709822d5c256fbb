package io.mcpguard.proxy.jsonrpc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strict JSON-RPC 2.0 decoding of one client POST body.
 *
 * <p>Strict means: duplicate keys are an error (so {@code {"method":"tools/list","method":"tools/call"}} cannot mean
 * one thing to the policy and another to the server), nesting depth and string length are bounded while parsing,
 * trailing data after the message is an error, no member outside the JSON-RPC envelope is accepted, and a batch is
 * valid only if every element is. Numbers keep their exact value so the re-serialised message says what the client
 * said. Thread-safe; one instance serves the whole proxy.
 */
public final class JsonRpcDecoder {
    private static final Set<String> ENVELOPE = Set.of("jsonrpc", "id", "method", "params", "result", "error");
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate (?:field|Object property) '([^']{0,64})");

    private final ObjectMapper mapper;
    private final int maxDepth;
    private final int maxStringLength;
    private final int maxBatchSize;

    /**
     * @param maxDepth deepest nesting of objects and arrays
     * @param maxStringLength longest string or key, in characters
     * @param maxBatchSize largest batch accepted; 0 rejects batches
     */
    public JsonRpcDecoder(int maxDepth, int maxStringLength, int maxBatchSize) {
        this.maxDepth = maxDepth;
        this.maxStringLength = maxStringLength;
        this.maxBatchSize = maxBatchSize;
        JsonFactory factory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(maxDepth)
                        .maxStringLength(maxStringLength)
                        .maxNameLength(maxStringLength)
                        .maxNumberLength(1000)
                        .build())
                .build();
        this.mapper = JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                .build();
    }

    /** The mapper whose output is the canonical form; shared with whoever serialises what was decoded. */
    public ObjectMapper mapper() {
        return mapper;
    }

    public DecodedBody decode(byte[] body) throws JsonRpcException {
        JsonNode root = parse(body);
        if (root instanceof ObjectNode object) {
            JsonRpcMessage message = validate(object, -1);
            return new DecodedBody(List.of(message), false, serialise(object));
        }
        if (root instanceof ArrayNode array) {
            return decodeBatch(array);
        }
        throw new JsonRpcException(ErrorCode.INVALID_REQUEST, "a JSON-RPC message must be an object or a batch array");
    }

    private DecodedBody decodeBatch(ArrayNode array) throws JsonRpcException {
        if (maxBatchSize == 0) {
            throw new JsonRpcException(ErrorCode.INVALID_REQUEST, "JSON-RPC batches are not accepted");
        }
        if (array.isEmpty()) {
            throw new JsonRpcException(ErrorCode.INVALID_REQUEST, "an empty batch is not a valid JSON-RPC message");
        }
        if (array.size() > maxBatchSize) {
            throw new JsonRpcException(
                    ErrorCode.INVALID_REQUEST,
                    "batch of " + array.size() + " messages exceeds the limit of " + maxBatchSize);
        }
        List<JsonRpcMessage> messages = new ArrayList<>(array.size());
        java.util.Set<JsonNode> requestIds = new java.util.HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof ObjectNode element)) {
                throw new JsonRpcException(ErrorCode.INVALID_REQUEST, "batch element " + i + " is not an object");
            }
            JsonRpcMessage message = validate(element, i);
            // Answers are tied to their decision by id: two requests with one id would share one answer plan, and
            // the second's mask would be lost.
            if (message.expectsResponse() && !requestIds.add(message.id())) {
                throw invalid("batch element " + i + ": a request id appears twice in the batch", null);
            }
            messages.add(message);
        }
        return new DecodedBody(messages, true, serialise(array));
    }

    private JsonNode parse(byte[] body) throws JsonRpcException {
        if (body.length == 0) {
            throw new JsonRpcException(ErrorCode.PARSE_ERROR, "empty body: expected a JSON-RPC message");
        }
        try {
            JsonNode root = mapper.readTree(body);
            if (root == null || root.isMissingNode()) {
                throw new JsonRpcException(ErrorCode.PARSE_ERROR, "empty body: expected a JSON-RPC message");
            }
            return root;
        } catch (StreamConstraintsException e) {
            throw new JsonRpcException(ErrorCode.INVALID_REQUEST, describeLimit(e));
        } catch (NumberFormatException e) {
            // A number whose exponent no BigDecimal holds (0.5e901234567890): Jackson throws this unchecked.
            throw new JsonRpcException(ErrorCode.INVALID_REQUEST, "a number in the message is out of range");
        } catch (JsonProcessingException e) {
            throw parseError(e);
        } catch (IOException e) {
            throw new JsonRpcException(ErrorCode.PARSE_ERROR, "unreadable body");
        }
    }

    private String describeLimit(StreamConstraintsException e) {
        String text = String.valueOf(e.getOriginalMessage()).toLowerCase(java.util.Locale.ROOT);
        if (text.contains("depth")) {
            return "message nests deeper than " + maxDepth + " levels";
        }
        if (text.contains("number")) {
            return "a number in the message is longer than 1000 digits";
        }
        return "a string in the message is longer than " + maxStringLength + " characters";
    }

    /**
     * Our own wording with the position, never the parser's: its messages quote the offending input, and a body
     * may carry a secret the caller should not see reflected (nor a log keep).
     */
    private static JsonRpcException parseError(JsonProcessingException e) {
        String original = String.valueOf(e.getOriginalMessage());
        Matcher duplicate = DUPLICATE.matcher(original);
        String where = "";
        JsonLocation location = e.getLocation();
        if (location != null && location.getLineNr() > 0) {
            where = " at line " + location.getLineNr() + ", column " + location.getColumnNr();
        }
        if (duplicate.find()) {
            return new JsonRpcException(
                    ErrorCode.PARSE_ERROR,
                    "duplicate key \"" + duplicate.group(1) + "\"" + where,
                    "duplicate key" + where,
                    null);
        }
        return new JsonRpcException(ErrorCode.PARSE_ERROR, describeParseError(original, where));
    }

    private static String describeParseError(String original, String where) {
        if (original.contains("Trailing token")) {
            return "unexpected data after the JSON-RPC message" + where;
        }
        if (original.contains("Invalid UTF-8")) {
            return "body is not valid UTF-8" + where;
        }
        return "malformed JSON" + where;
    }

    /** Validates one message; {@code index} is its batch position or -1. */
    private static JsonRpcMessage validate(ObjectNode node, int index) throws JsonRpcException {
        String at = index < 0 ? "" : "batch element " + index + ": ";
        JsonNode idNode = node.get("id");
        JsonNode safeId = isValidId(idNode) ? idNode : null;

        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!ENVELOPE.contains(name)) {
                throw new JsonRpcException(
                        ErrorCode.INVALID_REQUEST,
                        at + "unknown member \"" + abbreviate(name) + "\" in a JSON-RPC message",
                        at + "unknown member in a JSON-RPC message",
                        safeId);
            }
        }
        JsonNode version = node.get("jsonrpc");
        if (version == null || !version.isTextual() || !"2.0".equals(version.asText())) {
            throw invalid(at + "\"jsonrpc\" must be exactly \"2.0\"", safeId);
        }
        if (idNode != null && safeId == null) {
            throw invalid(at + "\"id\" must be a string of valid Unicode or an integer within +/-(2^53 - 1)", null);
        }

        JsonNode method = node.get("method");
        if (method != null) {
            return validateCall(node, method, safeId, at);
        }
        return validateResponse(node, safeId, at);
    }

    private static JsonRpcMessage validateCall(ObjectNode node, JsonNode method, JsonNode id, String at)
            throws JsonRpcException {
        if (!method.isTextual() || method.asText().isEmpty()) {
            throw invalid(at + "\"method\" must be a non-empty string", id);
        }
        String name = method.asText();
        if (name.startsWith("rpc.")) {
            throw invalid(at + "method names starting with \"rpc.\" are reserved", id);
        }
        if (node.has("result") || node.has("error")) {
            throw invalid(at + "a request must not carry \"result\" or \"error\"", id);
        }
        JsonNode params = node.get("params");
        if (params != null && !params.isObject()) {
            throw invalid(at + "\"params\" must be an object", id);
        }
        ObjectNode paramsObject = (ObjectNode) params;
        if ("tools/call".equals(name)) {
            JsonNode tool = paramsObject == null ? null : paramsObject.get("name");
            if (tool == null || !tool.isTextual() || tool.asText().isEmpty()) {
                throw new JsonRpcException(
                        ErrorCode.INVALID_PARAMS, at + "tools/call needs \"params.name\" as a non-empty string", id);
            }
            JsonNode arguments = paramsObject.get("arguments");
            if (arguments != null && !arguments.isObject()) {
                throw new JsonRpcException(
                        ErrorCode.INVALID_PARAMS, at + "tools/call \"params.arguments\" must be an object", id);
            }
        }
        JsonRpcMessage.Kind kind = id == null ? JsonRpcMessage.Kind.NOTIFICATION : JsonRpcMessage.Kind.REQUEST;
        return new JsonRpcMessage(kind, id, name, paramsObject, node);
    }

    private static JsonRpcMessage validateResponse(ObjectNode node, JsonNode id, String at) throws JsonRpcException {
        if (id == null) {
            throw invalid(at + "a message needs \"method\" (request or notification) or \"id\" (response)", null);
        }
        boolean hasResult = node.has("result");
        JsonNode error = node.get("error");
        if (hasResult == (error != null)) {
            throw invalid(at + "a response carries exactly one of \"result\" and \"error\"", id);
        }
        if (node.has("params")) {
            throw invalid(at + "a response must not carry \"params\"", id);
        }
        if (error != null) {
            JsonNode code = error.get("code");
            JsonNode message = error.get("message");
            if (!error.isObject()
                    || code == null
                    || !code.isIntegralNumber()
                    || !code.canConvertToInt()
                    || message == null
                    || !message.isTextual()) {
                throw invalid(at + "\"error\" must be an object with an integer \"code\" and a string \"message\"", id);
            }
        }
        return new JsonRpcMessage(JsonRpcMessage.Kind.RESPONSE, id, null, null, node);
    }

    /** The largest integer every JSON peer reads exactly (a JavaScript server rounds beyond it). */
    private static final long MAX_SAFE_ID = (1L << 53) - 1;

    /**
     * MCP: ids are strings or integers, never null and never fractional. The answer is matched to its decision by
     * the id the server echoes, so an id a server could echo differently is refused: text that is not valid Unicode
     * (a lone surrogate comes back as U+FFFD) and integers beyond 2^53 - 1 (a JavaScript server rounds them).
     */
    private static boolean isValidId(JsonNode id) {
        if (id == null) {
            return false;
        }
        if (id.isTextual()) {
            return isWellFormed(id.asText());
        }
        return id.isIntegralNumber() && id.canConvertToLong() && Math.abs(id.asLong()) <= MAX_SAFE_ID;
    }

    private static boolean isWellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static JsonRpcException invalid(String message, JsonNode id) {
        return new JsonRpcException(ErrorCode.INVALID_REQUEST, message, id);
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "…";
    }

    private byte[] serialise(JsonNode node) throws JsonRpcException {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new JsonRpcException(ErrorCode.PARSE_ERROR, "message cannot be re-serialised");
        }
    }
}
