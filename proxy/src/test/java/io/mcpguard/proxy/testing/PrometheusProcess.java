package io.mcpguard.proxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus ({@code scripts/tools.sh prometheus}) on a loopback port with a throwaway data directory, taking
 * OTLP metrics pushed to its own receiver ({@code --web.enable-otlp-receiver}, {@link #otlpMetricsEndpoint()}) and
 * scraping nothing. Its default OTLP translation is left as it ships, so what it stores is what an operator's
 * Prometheus stores. Fails at construction when it cannot be built or does not become ready.
 */
public final class PrometheusProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private final int port;
    private final Path log;
    private final Process process;

    public PrometheusProcess(Path dir) {
        this(dir, null);
    }

    /** @param rules a rule file to load and evaluate every second, or null */
    public PrometheusProcess(Path dir, Path rules) {
        Path binary = Tools.tool("prometheus");
        this.port = Tools.freePort();
        try {
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, rules == null ? """
                            # Nothing is scraped: every sample arrives over OTLP.
                            global:
                              evaluation_interval: 1m
                            """ : """
                            # Nothing is scraped: every sample arrives over OTLP. Rules are evaluated every second.
                            global:
                              evaluation_interval: 1s
                            rule_files:
                              - %s
                            """.formatted(rules.toAbsolutePath()));
            Files.createDirectories(dir.resolve("data"));
            this.log = dir.resolve("prometheus.log");
            this.process = new ProcessBuilder(
                            binary.toString(),
                            "--config.file=" + config,
                            "--storage.tsdb.path=" + dir.resolve("data"),
                            "--web.listen-address=127.0.0.1:" + port,
                            "--web.enable-otlp-receiver",
                            "--log.level=warn")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Prometheus", e);
        }
        awaitReady(Duration.ofSeconds(30));
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Prometheus exited with " + process.exitValue() + ": " + logText());
            }
            try {
                HttpResponse<Void> ready = HTTP.send(
                        HttpRequest.newBuilder(URI.create(url() + "/-/ready"))
                                .timeout(Duration.ofSeconds(1))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("Prometheus was not ready within " + timeout + ": " + logText());
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The full OTLP/HTTP metrics URL, for {@code OTEL_EXPORTER_OTLP_METRICS_ENDPOINT} (protobuf only). */
    public String otlpMetricsEndpoint() {
        return url() + "/api/v1/otlp/v1/metrics";
    }

    /**
     * An instant query ({@code /api/v1/query}) evaluated now; the {@code data.result} array. Throws with Prometheus's
     * error when the expression does not parse or cannot be evaluated.
     */
    public JsonNode query(String promql) {
        JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        return answer.path("data").path("result");
    }

    /** The values of label {@code name} over the series {@code match} selects ({@code /api/v1/label/.../values}). */
    public List<String> labelValues(String name, String match) {
        String path = "/api/v1/label/" + name + "/values"
                + (match == null ? "" : "?match[]=" + URLEncoder.encode(match, StandardCharsets.UTF_8));
        List<String> values = new ArrayList<>();
        get(path).path("data").forEach(v -> values.add(v.asText()));
        return values;
    }

    /** The loaded rule groups ({@code /api/v1/rules}): each with its rules, their health and last error. */
    public JsonNode rules() {
        return get("/api/v1/rules").path("data").path("groups");
    }

    /** The alerts pending or firing now ({@code /api/v1/alerts}). */
    public JsonNode alerts() {
        return get("/api/v1/alerts").path("data").path("alerts");
    }

    /** Every metric name Prometheus stores. */
    public List<String> metricNames() {
        return labelValues("__name__", null);
    }

    private JsonNode get(String pathAndQuery) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode answer = JSON.readTree(response.body());
            if (response.statusCode() != 200
                    || !"success".equals(answer.path("status").asText())) {
                throw new IllegalStateException(
                        "Prometheus refused " + pathAndQuery + " (" + response.statusCode() + "): " + response.body());
            }
            return answer;
        } catch (IOException e) {
            throw new IllegalStateException("cannot ask Prometheus " + pathAndQuery, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String logText() {
        try {
            String text = Files.readString(log);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
