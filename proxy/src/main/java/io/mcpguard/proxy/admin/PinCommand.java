package io.mcpguard.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.policy.ToolDefinition;
import io.mcpguard.proxy.policy.ToolPins;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code mcpguard pin --server URL [--token-env VAR] [--out FILE]}: asks an MCP server (Streamable HTTP) for its tools
 * and writes the manifest of their fingerprints ({@link ToolPins}) for review in Git. The proxy with {@code
 * upstream.tool-pins.file} set to it then hides and refuses any tool whose advertised definition is not the pinned
 * one. A token, when the server needs one, comes from an environment variable, never the command line.
 */
public final class PinCommand {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VERSION = "2025-06-18";
    /** Pages of tools/list followed at most: a server that never stops paging is a broken server. */
    private static final int MAX_PAGES = 100;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI server;
    private final String token;
    private String session;
    private int nextId = 1;

    private PinCommand(URI server, String token) {
        this.server = server;
        this.token = token;
    }

    /** @return the process exit code: 0 written, 2 usage, 1 the server could not be asked */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        String url = null;
        String tokenEnv = null;
        String file = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--server" -> url = value;
                case "--token-env" -> tokenEnv = value;
                case "--out" -> file = value;
                default -> {
                    err.println("mcpguard pin: unknown argument " + args[i] + "\n" + usage());
                    return 2;
                }
            }
            i++;
        }
        if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
            err.println("mcpguard pin: --server needs the MCP endpoint's http(s) URL\n" + usage());
            return 2;
        }
        String token = null;
        if (tokenEnv != null) {
            token = env.get(tokenEnv);
            if (token == null || token.isBlank()) {
                err.println("mcpguard pin: the environment variable " + tokenEnv + " is not set");
                return 2;
            }
        }
        try {
            Map<String, String> fingerprints = new PinCommand(URI.create(url), token).fingerprints();
            String manifest = ToolPins.manifest(url, fingerprints);
            if (file == null) {
                out.print(manifest);
            } else {
                Files.writeString(Path.of(file), manifest, StandardCharsets.UTF_8);
                err.println("mcpguard pin: " + fingerprints.size() + " tools pinned in " + file);
            }
            return 0;
        } catch (IOException | IllegalStateException e) {
            err.println("mcpguard pin: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static String usage() {
        return "usage: mcpguard pin --server URL [--token-env VAR] [--out FILE]";
    }

    /** Every tool the server lists, by name, with its fingerprint. */
    private Map<String, String> fingerprints() throws IOException, InterruptedException {
        call(
                "initialize",
                JSON.createObjectNode()
                        .put("protocolVersion", VERSION)
                        .<com.fasterxml.jackson.databind.node.ObjectNode>set("capabilities", JSON.createObjectNode())
                        .set(
                                "clientInfo",
                                JSON.createObjectNode()
                                        .put("name", "mcpguard-pin")
                                        .put("version", "1")));
        notifyInitialized();
        Map<String, String> fingerprints = new TreeMap<>();
        String cursor = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            var params = JSON.createObjectNode();
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            JsonNode result = call("tools/list", params);
            for (JsonNode tool : result.path("tools")) {
                if (!tool.path("name").isTextual()) {
                    throw new IllegalStateException("the server listed a tool without a name");
                }
                if (fingerprints.put(tool.get("name").asText(), ToolDefinition.fingerprint(tool)) != null) {
                    throw new IllegalStateException(
                            "the server listed tool '" + tool.get("name").asText() + "' twice");
                }
            }
            cursor = result.path("nextCursor").isTextual()
                    ? result.get("nextCursor").asText()
                    : null;
            if (cursor == null) {
                return fingerprints;
            }
        }
        throw new IllegalStateException("the server's tools/list did not end within " + MAX_PAGES + " pages");
    }

    private JsonNode call(String method, JsonNode params) throws IOException, InterruptedException {
        int id = nextId++;
        var request =
                JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        request.set("params", params);
        HttpResponse<String> answer = http.send(post(request), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException(method + " answered HTTP " + answer.statusCode());
        }
        answer.headers().firstValue("Mcp-Session-Id").ifPresent(s -> session = s);
        JsonNode message = find(answer, id);
        if (message.has("error")) {
            throw new IllegalStateException(
                    method + " failed: " + message.get("error").path("message").asText());
        }
        return message.path("result");
    }

    private void notifyInitialized() throws IOException, InterruptedException {
        var note = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/initialized");
        http.send(post(note), HttpResponse.BodyHandlers.discarding());
    }

    private HttpRequest post(JsonNode body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(server)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", VERSION)
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.build();
    }

    /** The response with {@code id}, from a JSON body or the events of an SSE one. */
    private static JsonNode find(HttpResponse<String> answer, int id) throws IOException {
        String type = answer.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("text/event-stream")) {
            return JSON.readTree(answer.body());
        }
        StringBuilder data = new StringBuilder();
        for (String line : (answer.body() + "\n\n").split("\r?\n", -1)) {
            if (line.startsWith("data:")) {
                data.append(line.substring(line.startsWith("data: ") ? 6 : 5)).append('\n');
            } else if (line.isEmpty() && !data.isEmpty()) {
                JsonNode message = JSON.readTree(data.toString());
                if (message.path("id").asInt(-1) == id) {
                    return message;
                }
                data.setLength(0);
            }
        }
        throw new IllegalStateException("the server's event stream had no answer to request " + id);
    }
}
