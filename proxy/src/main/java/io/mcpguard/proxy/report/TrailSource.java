package io.mcpguard.proxy.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/** Where the report reads the audit trail from: OTLP/JSON files, or Jaeger's query API. */
interface TrailSource {

    /** Feeds every proxy span of the source to {@code out}. */
    void read(Consumer<TrailSpan> out) throws IOException, InterruptedException;

    /**
     * Files of OTLP/JSON documents: one per line (a Collector's file exporter, or {@code otlp_http} bodies kept one
     * a line), or one document per file; a file holding something else is an error that names it.
     */
    static TrailSource files(List<Path> files) {
        ObjectMapper json = new ObjectMapper();
        return out -> {
            for (Path file : files) {
                try (InputStream in = Files.newInputStream(file);
                        MappingIterator<JsonNode> documents =
                                json.readerFor(JsonNode.class).readValues(in)) {
                    while (documents.hasNextValue()) {
                        OtlpTrail.read(documents.nextValue(), out);
                    }
                } catch (IOException | RuntimeException e) {
                    throw new IOException(file + " is not OTLP/JSON: " + e.getMessage(), e);
                }
            }
        };
    }

    /**
     * Jaeger's query API v3 ({@code GET /api/v3/traces}): the traces of {@code service} that started in the window,
     * at most {@code maxTraces} of them (Jaeger's search depth); OTLP/JSON under {@code result}, possibly several
     * documents streamed one after another.
     */
    static TrailSource jaeger(URI query, String service, Instant from, Instant to, int maxTraces) {
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        return out -> {
            URI uri = URI.create(query.toString().replaceAll("/+$", "") + "/api/v3/traces?query.service_name="
                    + URLEncoder.encode(service, StandardCharsets.UTF_8)
                    + "&query.start_time_min=" + from + "&query.start_time_max=" + to
                    // num_traces is what Jaeger 2.13 reads; later releases renamed it search_depth. Both are sent.
                    + "&query.num_traces=" + maxTraces + "&query.search_depth=" + maxTraces);
            HttpResponse<InputStream> response = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofMinutes(2))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() == 404) { // Jaeger's answer when no trace matches
                    return;
                }
                if (response.statusCode() != 200) {
                    throw new IOException("Jaeger answered HTTP " + response.statusCode() + " to " + uri.getPath()
                            + ": " + new String(body.readNBytes(300), StandardCharsets.UTF_8));
                }
                try (MappingIterator<JsonNode> documents =
                        json.readerFor(JsonNode.class).readValues(body)) {
                    while (documents.hasNextValue()) {
                        OtlpTrail.read(documents.nextValue(), out);
                    }
                }
            }
        };
    }
}
