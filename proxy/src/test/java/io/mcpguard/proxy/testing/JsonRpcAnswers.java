package io.mcpguard.proxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;

/** The JSON-RPC message an HTTP answer carries, whether the server sent it as JSON or as an SSE stream. */
public final class JsonRpcAnswers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonRpcAnswers() {}

    public static JsonNode message(HttpResponse<String> answer) throws IOException {
        return message(answer.body());
    }

    /**
     * The body as JSON, or for an SSE body the last event's JSON-RPC message: a stream may carry progress
     * notifications (and a priming event without data) before the answer.
     */
    public static JsonNode message(String body) throws IOException {
        if (!body.startsWith("data:")
                && !body.startsWith("id:")
                && !body.startsWith("event:")
                && !body.contains("\ndata:")) {
            return JSON.readTree(body);
        }
        String last = null;
        for (String line : body.split("\n")) {
            if (line.startsWith("data:") && line.contains("jsonrpc")) {
                last = line.substring(5).trim();
            }
        }
        if (last == null) {
            throw new IOException("no JSON-RPC message in the stream: " + body);
        }
        return JSON.readTree(last);
    }
}
