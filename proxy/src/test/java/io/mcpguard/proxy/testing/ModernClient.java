package io.mcpguard.proxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The TypeScript SDK v2 client from npm ({@code scripts/tools.sh ts-client}), pinned to MCP 2026-07-28, run by
 * {@code modern-client.mjs}: it discovers the server, lists its tools and makes the calls it is given.
 */
public final class ModernClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModernClient() {}

    /** One tool call to make. */
    public record Call(String tool, Map<String, Object> arguments) {}

    /**
     * What one run printed: {@code protocolVersion}, {@code tools} (names), {@code calls} (each {@code result} or
     * {@code error}), and {@code error} when it could not connect.
     */
    public record Run(int exitCode, JsonNode out, String stderr) {
        public List<String> toolNames() {
            if (exitCode != 0) {
                throw new AssertionError("the modern client failed (" + exitCode + "): " + out + " " + stderr);
            }
            List<String> names = new ArrayList<>();
            out.path("tools").forEach(name -> names.add(name.asText()));
            return names;
        }
    }

    /** Runs the client against {@code url} with an optional bearer token (null: none) and extra headers. */
    public static Run run(String url, String token, Map<String, String> headers, List<Call> calls)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("modern-client");
        // Node resolves the import from the script's directory: the cached library is linked in beside it.
        Files.createSymbolicLink(dir.resolve("node_modules"), Tools.tool("ts-client"));
        Path script = dir.resolve("modern-client.mjs");
        try (InputStream in = ModernClient.class.getResourceAsStream("modern-client.mjs")) {
            Files.copy(in, script);
        }
        ProcessBuilder builder = new ProcessBuilder(
                "node",
                script.toString(),
                url,
                token == null ? "-" : token,
                JSON.writeValueAsString(headers),
                JSON.writeValueAsString(calls));
        ProcessRuns.Ended ended = ProcessRuns.run(builder, "the modern client");
        String printed = ended.stdout().strip();
        JsonNode out = printed.isEmpty() ? JSON.createObjectNode() : JSON.readTree(printed);
        return new Run(ended.exitCode(), out, ended.stderr());
    }
}
