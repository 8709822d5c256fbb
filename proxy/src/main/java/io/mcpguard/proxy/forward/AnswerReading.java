package io.mcpguard.proxy.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * How the relay reads what it holds of an answer: a JSON body or an event's data parsed and handed to the {@link
 * AnswerInspector}, an error body turned into a clean JSON-RPC error, and whether an answer can be read at all. The
 * relay moves bytes; this decides what they become.
 */
final class AnswerReading {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AnswerInspector inspector;

    AnswerReading(AnswerInspector inspector) {
        this.inspector = inspector;
    }

    /**
     * The JSON answer inspected and rewritten, or exactly what the server sent when nothing changed. A body that is
     * no JSON-RPC message is masked as text with every class.
     */
    byte[] inspectBody(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (!inspector.mayRewrite(text)) {
            return bytes;
        }
        try {
            JsonNode answer = JSON.readTree(bytes);
            if (answer != null && answer.isContainerNode()) {
                return inspector.inspect(answer) ? JSON.writeValueAsBytes(answer) : bytes;
            }
        } catch (IOException e) {
            // Not JSON: no message in it to inspect, masked as text below.
        }
        // No JSON-RPC message (a bare value, or no JSON at all), but a client may still read it: masked with every
        // class, as no decision covers it. The text masker adds no quote or backslash, so JSON stays JSON.
        String masked = inspector.maskUndecidedText(text);
        return masked == null ? bytes : masked.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * An upstream error answer keeps its status (clients act on 400, 404 for an unknown session, 405), but its body,
     * which may hold a stack trace, exception class names, paths or internal hosts, becomes a clean JSON-RPC error.
     * An empty body stays empty.
     */
    byte[] errorAnswer(HttpResponse head, byte[] bytes) {
        if (bytes.length == 0) {
            return bytes;
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        JsonNode parsed = null;
        try {
            parsed = JSON.readTree(bytes);
        } catch (IOException e) {
            // plain text or HTML: the sanitizer reads the text
        }
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        try {
            return JSON.writeValueAsBytes(
                    inspector.errorAnswer(parsed, text, head.status().code()));
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /**
     * The rewritten data of one event, or null to send the event as it came. A {@code message} event carrying a
     * JSON-RPC message is inspected like a JSON answer; anything else a client could still read (another event type,
     * data that is no JSON) is masked with every class, since no decision covers it.
     */
    String inspectEventData(String type, String data) {
        if ("message".equals(type) && inspector.mayRewrite(data)) {
            try {
                JsonNode message = JSON.readTree(data);
                if (message != null && (message.isObject() || message.isArray())) {
                    return inspector.inspect(message) ? JSON.writeValueAsString(message) : null;
                }
            } catch (IOException e) {
                // not JSON: masked as text below
            }
        }
        return inspector.maskUndecidedText(data);
    }

    /**
     * Why an answer cannot be read, or null: a content encoding other than identity (the proxy asks for identity
     * only; a server that compresses anyway would pass bytes the inspector cannot read), or a charset other than
     * UTF-8 on a JSON or event-stream answer.
     */
    static String uninspectableEncoding(HttpResponse head) {
        String encoding = head.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        if (encoding != null && !encoding.isBlank() && !"identity".equalsIgnoreCase(encoding.trim())) {
            return "the MCP server's answer is content-encoded and cannot be inspected";
        }
        String type = head.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null) {
            for (String parameter : type.split(";")) {
                String[] pair = parameter.trim().split("=", 2);
                if (pair.length == 2 && "charset".equalsIgnoreCase(pair[0].trim())) {
                    String charset = pair[1].trim().replace("\"", "");
                    if (!"utf-8".equalsIgnoreCase(charset) && !"utf8".equalsIgnoreCase(charset)) {
                        return "the MCP server's answer is in a charset the proxy cannot inspect";
                    }
                }
            }
        }
        return null;
    }
}
