package io.mcpguard.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One HTTP request as the routes see it: decoded query, JSON body, the caller, and ways to answer. */
final class Exchange {
    final HttpExchange http;
    final String method;
    final String path;
    final Map<String, List<String>> query;
    Credential caller;
    int status;

    Exchange(HttpExchange http, String path) {
        this.http = http;
        this.method = http.getRequestMethod();
        this.path = path;
        this.query = parseQuery(http.getRequestURI().getRawQuery());
    }

    String param(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    List<String> params(String name) {
        return query.getOrDefault(name, List.of());
    }

    int intParam(String name, int fallback, int min, int max) {
        String raw = param(name);
        if (raw == null) return fallback;
        int value;
        try {
            value = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("Invalid " + name + ": '" + raw + "' is not a number.");
        }
        if (value < min || value > max) {
            throw ApiError.badRequest("Invalid " + name + ": must be between " + min + " and " + max + ".");
        }
        return value;
    }

    JsonNode body() throws IOException {
        byte[] bytes = http.getRequestBody().readAllBytes();
        if (bytes.length == 0) return Renderer.JSON.createObjectNode();
        String type = http.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase().startsWith("application/json")) {
            throw ApiError.badRequest("Unsupported Media Type: send the body as application/json.");
        }
        try {
            JsonNode node = Renderer.JSON.readTree(bytes);
            if (node == null || !node.isObject()) throw ApiError.badRequest("The request body must be a JSON object.");
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiError.badRequest("Malformed JSON: " + e.getOriginalMessage());
        }
    }

    void json(int code, JsonNode node) throws IOException {
        send(code, "application/json; charset=utf-8", Renderer.JSON.writeValueAsBytes(node));
    }

    void text(int code, String body) throws IOException {
        send(code, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    void empty(int code) throws IOException {
        status = code;
        http.sendResponseHeaders(code, -1);
        http.close();
    }

    void redirect(String location) throws IOException {
        http.getResponseHeaders().set("Location", location);
        empty(302);
    }

    private void send(int code, String type, byte[] bytes) throws IOException {
        status = code;
        http.getResponseHeaders().set("Content-Type", type);
        http.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The current request's URL with {@code page} replaced, for {@code next}/{@code previous}. */
    String pageUrl(String base, int page) {
        String root = base.endsWith("/2.0") ? base.substring(0, base.length() - "/2.0".length()) : base;
        StringBuilder url = new StringBuilder(root).append(path);
        String sep = "?";
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            if (e.getKey().equals("page")) continue;
            for (String v : e.getValue()) {
                url.append(sep).append(e.getKey()).append('=').append(encode(v));
                sep = "&";
            }
        }
        return url.append(sep).append("page=").append(page).toString();
    }

    ObjectNode page(List<? extends JsonNode> all, int defaultPagelen, int maxPagelen, String base, boolean withSize) {
        int pagelen = intParam("pagelen", defaultPagelen, 1, maxPagelen);
        int page = intParam("page", 1, 1, Integer.MAX_VALUE);
        int from = (int) Math.min((long) (page - 1) * pagelen, all.size());
        int to = Math.min(from + pagelen, all.size());
        if (page > 1 && from >= all.size()) {
            throw ApiError.badRequest("Invalid page");
        }
        ObjectNode root = Renderer.JSON.createObjectNode();
        root.put("pagelen", pagelen);
        if (withSize) root.put("size", all.size());
        root.put("page", page);
        root.putArray("values").addAll(all.subList(from, to));
        if (to < all.size()) root.put("next", pageUrl(base, page + 1));
        if (page > 1) root.put("previous", pageUrl(base, page - 1));
        return root;
    }

    static String encode(String v) {
        return java.net.URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Map<String, List<String>> parseQuery(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        return out;
    }
}
