package io.mcpguard.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcException;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Holds the {@code Mcp-Param-*} headers of a 2026-07-28 {@code tools/call} to its body (SEP-2243). A tool may mirror
 * parameters into headers ({@code x-mcp-header} in its {@code inputSchema}) for intermediaries to route on; the
 * policy decides on the body, so a server or a router that trusted a header saying something else would act on a
 * value nobody decided. Each header is sent at most once, names a parameter the tool declares, and equals the body's
 * value ({@code =?base64?…?=} decoded); a declared parameter the body carries has its header. Refused with {@code
 * -32020} otherwise. The declarations come from the server's own {@code tools/list} answers through this proxy; for a
 * tool none has shown, headers cannot be checked and are refused, which a client cures by listing the tools.
 */
final class ParamHeaderCheck {
    private static final String PREFIX = "mcp-param-";

    private ParamHeaderCheck() {}

    /** The {@code Mcp-Param-*} header names of a request, lower-cased, each once. */
    static List<String> names(HttpHeaders headers) {
        List<String> names = new ArrayList<>();
        for (String name : headers.names()) {
            if (name.toLowerCase(Locale.ROOT).startsWith(PREFIX)) {
                names.add(name.toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    static void check(HttpHeaders headers, JsonRpcMessage message, DeclaredTools declared) throws JsonRpcException {
        Map<String, String> sent = new HashMap<>();
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith(PREFIX) && sent.put(name.substring(PREFIX.length()), header.getValue()) != null) {
                throw mismatch(message, "each Mcp-Param header may be sent once");
            }
        }
        if (!"tools/call".equals(message.method())) {
            if (!sent.isEmpty()) {
                throw mismatch(message, "Mcp-Param headers belong to tools/call");
            }
            return;
        }
        Map<String, List<String>> mirrored = declared.paramHeaders(message.toolName());
        if (mirrored == null) {
            if (!sent.isEmpty()) {
                throw mismatch(
                        message,
                        "Mcp-Param headers for a tool whose declaration has not been listed through the proxy;"
                                + " list the tools, then call again");
            }
            return;
        }
        for (String header : sent.keySet()) {
            if (!mirrored.containsKey(header)) {
                throw mismatch(message, "an Mcp-Param header names no parameter the tool declares");
            }
        }
        for (Map.Entry<String, List<String>> parameter : mirrored.entrySet()) {
            JsonNode value = at(message.toolArguments(), parameter.getValue());
            String header = sent.get(parameter.getKey());
            if (value == null || value.isNull()) {
                if (header != null) {
                    throw mismatch(message, "an Mcp-Param header carries a parameter the body does not");
                }
            } else if (header == null) {
                throw mismatch(message, "the body carries a parameter the tool mirrors into a header, which is absent");
            } else if (!McpHeaderValues.decode(header).equals(text(value))) {
                throw mismatch(message, "an Mcp-Param header does not match the body");
            }
        }
    }

    private static JsonNode at(JsonNode arguments, List<String> path) {
        JsonNode node = arguments;
        for (String name : path) {
            if (node == null || !node.isObject()) {
                return null;
            }
            node = node.get(name);
        }
        return node;
    }

    /** A primitive's text as a header carries it; a container has none (it cannot be mirrored). */
    private static String text(JsonNode value) {
        if (value.isTextual()) {
            return value.asText();
        }
        return value.isValueNode() ? value.toString() : null;
    }

    private static JsonRpcException mismatch(JsonRpcMessage message, String why) {
        return new JsonRpcException(ErrorCode.HEADER_MISMATCH, why, message.id());
    }
}
