package io.mcpguard.proxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Jaeger v2 ({@code scripts/tools.sh jaeger}) with in-memory storage: OTLP over HTTP in, its query API
 * ({@code /api/v3}, OTLP/JSON out) read back by the test. Everything on loopback ports of its own.
 */
public final class JaegerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private final Path binary;
    private final int otlpHttpPort;
    private final int queryPort;
    private final int healthPort;
    private final Path config;
    private final Path log;
    private Process process;

    public JaegerProcess() {
        this.binary = Tools.tool("jaeger");
        this.otlpHttpPort = Tools.freePort();
        this.queryPort = Tools.freePort();
        this.healthPort = Tools.freePort();
        int queryGrpcPort = Tools.freePort();
        try {
            this.config = Files.createTempFile("jaeger-", ".yaml");
            this.log = Files.createTempFile("jaeger-", ".log");
            Files.writeString(config, """
                    service:
                      extensions: [jaeger_storage, jaeger_query, healthcheckv2]
                      pipelines:
                        traces:
                          receivers: [otlp]
                          exporters: [jaeger_storage_exporter]
                      telemetry:
                        metrics:
                          level: none
                    extensions:
                      healthcheckv2:
                        use_v2: true
                        http:
                          endpoint: 127.0.0.1:%d
                      jaeger_query:
                        storage:
                          traces: memstore
                        http:
                          endpoint: 127.0.0.1:%d
                        grpc:
                          endpoint: 127.0.0.1:%d
                      jaeger_storage:
                        backends:
                          memstore:
                            memory:
                              max_traces: 10000
                    receivers:
                      otlp:
                        protocols:
                          http:
                            endpoint: 127.0.0.1:%d
                    exporters:
                      jaeger_storage_exporter:
                        trace_storage: memstore
                    """.formatted(healthPort, queryPort, queryGrpcPort, otlpHttpPort));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public void start() {
        try {
            process = new ProcessBuilder(binary.toString(), "--config", "file:" + config)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Jaeger", e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Jaeger exited: " + logText());
            }
            if (status("http://127.0.0.1:" + healthPort + "/status") == 200
                    && status(queryUrl() + "/api/services") == 200) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException("Jaeger did not come up within 60 s: " + logText());
    }

    /** OTLP over HTTP/protobuf, for the proxy's {@code audit.otlp-endpoint}. */
    public String otlpHttpEndpoint() {
        return "http://127.0.0.1:" + otlpHttpPort;
    }

    /** The query API and UI. */
    public String queryUrl() {
        return "http://127.0.0.1:" + queryPort;
    }

    /**
     * The trace with this id as Jaeger's query API answers it ({@code GET /api/v3/traces/{id}}, OTLP/JSON under
     * {@code result}), once it holds at least {@code spans} spans; empty if it does not within {@code timeout}.
     */
    public Optional<JsonNode> awaitTrace(String traceId, int spans, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = HTTP.send(
                        HttpRequest.newBuilder(URI.create(queryUrl() + "/api/v3/traces/" + traceId))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    JsonNode trace = JSON.readTree(response.body());
                    if (trace.findValues("spanId").size() >= spans) {
                        return Optional.of(trace);
                    }
                }
            } catch (IOException e) {
                // not there yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(200);
        }
        return Optional.empty();
    }

    private static int status(String url) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }
}
