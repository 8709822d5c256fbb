package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parameters a tool mirrors into {@code Mcp-Param-*} request headers (MCP 2026-07-28, SEP-2243): each property of
 * its {@code inputSchema} reachable through a chain of {@code properties} that carries {@code x-mcp-header}. Read
 * from the server's own declaration, so the proxy can hold the headers to the body the policy decided.
 */
public final class ParamHeaders {
    /** The deepest chain of nested {@code properties} followed: schemas are a server's, so a bound. */
    private static final int MAX_DEPTH = 8;

    private ParamHeaders() {}

    /**
     * For each declared header, lower-cased (header names are case-insensitive), the path of property names to the
     * argument it mirrors. A name declared twice keeps its first property: the server's schema is then invalid, and
     * the check compares against one of them rather than none.
     */
    public static Map<String, List<String>> of(JsonNode inputSchema) {
        Map<String, List<String>> headers = new HashMap<>();
        collect(inputSchema, new ArrayList<>(), headers);
        return Map.copyOf(headers);
    }

    private static void collect(JsonNode schema, List<String> path, Map<String, List<String>> headers) {
        if (schema == null || !schema.path("properties").isObject() || path.size() >= MAX_DEPTH) {
            return;
        }
        schema.get("properties").fields().forEachRemaining(property -> {
            List<String> at = new ArrayList<>(path);
            at.add(property.getKey());
            JsonNode header = property.getValue().get("x-mcp-header");
            if (header != null && header.isTextual() && !header.asText().isEmpty()) {
                headers.putIfAbsent(header.asText().toLowerCase(Locale.ROOT), List.copyOf(at));
            }
            collect(property.getValue(), at, headers);
        });
    }
}
