package io.mcpguard.proxy.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenTelemetry Collector ({@code scripts/tools.sh otelcol}) receiving OTLP over gRPC and HTTP on loopback
 * ports, and exporting every span as OTLP/JSON to an {@link OtlpJsonSink}. Can be stopped and started again on the
 * same ports, to test what the proxy does while the collector is away.
 */
public final class OtelCollectorProcess implements AutoCloseable {
    private final Path binary;
    private final int grpcPort;
    private final int httpPort;
    private final Path config;
    private final Path log;
    private Process process;

    public OtelCollectorProcess(OtlpJsonSink sink) {
        this.binary = Tools.tool("otelcol");
        this.grpcPort = Tools.freePort();
        this.httpPort = Tools.freePort();
        try {
            this.config = Files.createTempFile("otelcol-", ".yaml");
            this.log = Files.createTempFile("otelcol-", ".log");
            Files.writeString(config, """
                    receivers:
                      otlp:
                        protocols:
                          grpc:
                            endpoint: 127.0.0.1:%d
                          http:
                            endpoint: 127.0.0.1:%d
                    exporters:
                      otlp_http:
                        endpoint: %s
                        encoding: json
                        compression: none
                        retry_on_failure:
                          initial_interval: 100ms
                          max_interval: 1s
                    service:
                      telemetry:
                        metrics:
                          level: none
                      pipelines:
                        traces:
                          receivers: [otlp]
                          exporters: [otlp_http]
                        metrics:
                          receivers: [otlp]
                          exporters: [otlp_http]
                    """.formatted(grpcPort, httpPort, sink.url()));
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
            throw new IllegalStateException("cannot start the collector", e);
        }
        awaitListening(Duration.ofSeconds(30));
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the collector exited: " + logText());
            }
            if (accepts(httpPort) && accepts(grpcPort)) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the collector did not listen within " + timeout + ": " + logText());
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public void stop() {
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

    /** OTLP over HTTP/protobuf (the SDK appends {@code /v1/traces}). */
    public String httpEndpoint() {
        return "http://127.0.0.1:" + httpPort;
    }

    public String grpcEndpoint() {
        return "http://127.0.0.1:" + grpcPort;
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
        stop();
    }
}
