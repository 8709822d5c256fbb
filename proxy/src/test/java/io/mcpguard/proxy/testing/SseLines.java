package io.mcpguard.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Reads a streamed (SSE) answer line by line as it arrives, for tests that must react while it streams. */
public final class SseLines {
    private SseLines() {}

    /**
     * Every line of {@code body} until the stream ends; {@code seen} is counted down the moment a line containing
     * {@code marker} arrives, so the upstream can hold its next event until the client provably has this one.
     */
    public static List<String> readAll(InputStream body, String marker, CountDownLatch seen) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
                if (line.contains(marker)) {
                    seen.countDown();
                }
            }
        }
        return lines;
    }
}
