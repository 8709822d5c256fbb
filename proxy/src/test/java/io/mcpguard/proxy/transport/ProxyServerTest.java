package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.policy.ToolPins;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.TestCertificates;
import io.mcpguard.proxy.testing.TestSubjects;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy assembled from a config and listening on a loopback port, spoken to over raw sockets: each connection
 * stage the channel initializer puts in front of the message path answers what is its to answer. Nothing here needs
 * the policy or the upstream (both point at a closed port): every request is answered before it would reach them.
 */
class ProxyServerTest {
    private static String nowhere;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() throws IOException {
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nowhere = "http://127.0.0.1:" + closed.getLocalPort();
        }
        proxy = new ProxyHarness(
                nowhere + "/mcp",
                nowhere,
                Map.of(
                        "limits.header-timeout", "1s",
                        "limits.max-header-bytes", "2KiB",
                        "limits.max-body-bytes", "1KiB",
                        "limits.max-string-length", "512",
                        "budgets.per-address.connections", "50"));
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(60_000);
        return socket;
    }

    /** Sends {@code request} on a new connection; returns the answer's status line and headers. */
    private static String exchange(String request) throws IOException {
        try (Socket socket = connect(proxy.port())) {
            send(socket, request);
            return readHead(socket.getInputStream());
        }
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return head.toString();
    }

    @Test
    void the_listener_serves_http_and_keeps_the_connection_for_the_next_request() throws IOException {
        try (Socket socket = connect(proxy.port())) {
            send(socket, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 200");
            send(socket, "GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 404");
        }
    }

    @Test
    void headers_over_the_configured_size_get_431() throws IOException {
        assertThat(exchange("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(4096) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 431");
    }

    @Test
    void a_body_over_the_configured_limit_gets_413() throws IOException {
        assertThat(exchange("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Accept: application/json, text/event-stream\r\nContent-Length: 5000\r\n\r\n"))
                .startsWith("HTTP/1.1 413");
    }

    @Test
    void a_connection_that_sends_nothing_gets_408_at_the_header_deadline() throws IOException {
        try (Socket socket = connect(proxy.port())) {
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout");
        }
    }

    @Test
    void connections_beyond_the_limit_are_closed_and_a_closed_server_accepts_none() throws IOException {
        int port;
        try (ProxyHarness limited =
                new ProxyHarness(nowhere + "/mcp", nowhere, Map.of("limits.max-connections", "1"))) {
            port = limited.port();
            try (Socket first = connect(port)) {
                send(first, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                assertThat(readHead(first.getInputStream())).startsWith("HTTP/1.1 200");
                try (Socket second = connect(port)) {
                    send(second, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                    assertThat(second.getInputStream().read())
                            .as("closed without an answer")
                            .isEqualTo(-1);
                }
            }
        }
        assertThatThrownBy(() -> connect(port).close()).isInstanceOf(ConnectException.class);
    }

    /** A TLS listener asking for client certificates, with or without names for them; the rest as the harness has it. */
    private static ProxyConfig tlsConfig(Path dir, boolean named) {
        return ProxyConfig.parse(
                """
                listen:
                  host: 127.0.0.1
                  port: 0
                  tls:
                    enabled: true
                    cert-file: %1$s/tls.crt
                    key-file: %1$s/tls.key
                    client-auth: optional
                    client-ca-file: %1$s/client-ca.pem
                %3$s
                upstream:
                  url: %2$s/mcp
                opa:
                  url: %2$s
                """.formatted(
                        dir, nowhere, named ? "    client-subjects:\n      \"spiffe://acme/agent\": [viewer]" : ""),
                Map.of(
                        "MCPGUARD_AUTH_MODE",
                        "none",
                        "MCPGUARD_AUDIT_ENABLED",
                        "false",
                        "MCPGUARD_AUDIT_SPOOL",
                        "memory"));
    }

    @Test
    void a_tls_listener_serves_a_client_with_a_certificate_and_logs_the_handshake_of_one_speaking_plain_http(
            @TempDir Path dir) throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("listener-ca");
        TestCertificates.server(ca, "proxy").writeTo(dir);
        Files.writeString(dir.resolve("client-ca.pem"), TestCertificates.pem(ca.certificate()));
        TestCertificates.Issued agent = TestCertificates.client(ca, "agent", "spiffe://acme/agent");
        ProxyServer server = new ProxyServer(tlsConfig(dir, true), TestSubjects.ACME_VIEWERS);
        try (LogCapture logs = new LogCapture(ProxyChannelInitializer.class.getName())) {
            int port = server.start();
            try (javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket)
                    agent.sslContext(ca.certificate()).getSocketFactory().createSocket("127.0.0.1", port)) {
                tls.setSoTimeout(60_000);
                send(tls, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

                assertThat(readHead(tls.getInputStream())).startsWith("HTTP/1.1 200");
                assertThat(tls.getSession().getLocalCertificates())
                        .as("the client's certificate was asked for")
                        .isNotNull();
            }
            assertThat(logs.lines()).as("a completed handshake is no event").isEmpty();

            try (Socket plain = connect(port)) {
                send(plain, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                assertThat(new String(plain.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                        .as("no HTTP answer on a TLS port")
                        .doesNotStartWith("HTTP/");
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (logs.lines().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20); // polling pace: the line is written on the connection's event loop
            }
            assertThat(logs.lines()).singleElement().satisfies(line -> {
                assertThat(line.level()).isEqualTo("INFO");
                assertThat(line.text())
                        .startsWith("TLS handshake refused")
                        .contains("event.name=security.tls_handshake_failed")
                        .contains("client.address=/127.0.0.1:");
            });
        } finally {
            server.close();
        }
    }

    @Test
    void a_server_closed_before_it_started_ends_its_certificate_watcher_too(@TempDir Path dir) throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("listener-ca");
        TestCertificates.server(ca, "proxy").writeTo(dir);
        Files.writeString(dir.resolve("client-ca.pem"), TestCertificates.pem(ca.certificate()));
        ProxyServer server = new ProxyServer(tlsConfig(dir, false), TestSubjects.ACME_VIEWERS);
        assertThat(watchers()).as("started with the server").isPositive();

        server.close();

        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (watchers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20); // polling pace: the watcher ends on its own thread once interrupted
        }
        assertThat(watchers()).isZero();
    }

    private static long watchers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("listener-tls-watch") && t.isAlive())
                .count();
    }

    @Test
    void each_optional_stage_the_config_names_is_assembled_and_says_so_at_start(@TempDir Path dir) throws Exception {
        Path pins = dir.resolve("pins.json");
        Files.writeString(pins, ToolPins.manifest(nowhere + "/mcp", Map.of("read", "sha256:" + "0".repeat(64))));
        Path rules = dir.resolve("team-rules.toml");
        Files.writeString(rules, "# no team rules yet\n");
        Path hashKey = dir.resolve("hash.key");
        Files.writeString(hashKey, "k".repeat(48));
        try (LogCapture logs = new LogCapture("io.mcpguard.proxy");
                io.mcpguard.proxy.testing.OtlpJsonSink collector = new io.mcpguard.proxy.testing.OtlpJsonSink();
                ProxyHarness full = new ProxyHarness(
                        nowhere + "/mcp",
                        nowhere,
                        Map.ofEntries(
                                Map.entry("upstream.era", "modern"),
                                Map.entry("upstream.tool-pins.file", pins.toString()),
                                Map.entry("upstream.tool-pins.mode", "warn"),
                                Map.entry("policy-cache.max-entries", "0"),
                                Map.entry("policy.shadow.decision-path", "mcp/candidate/decision"),
                                Map.entry(
                                        "policy.record.file",
                                        dir.resolve("decisions.jsonl").toString()),
                                Map.entry("policy.record.arguments", "hashed"),
                                Map.entry("mask.rules-file", rules.toString()),
                                Map.entry("mask.hash-key-file", hashKey.toString()),
                                Map.entry("audit.enabled", "true"),
                                Map.entry("audit.record-tool-calls", "true"),
                                // a collector that answers: closing waits on no exporter's retries
                                Map.entry("audit.otlp-endpoint", collector.url())))) {
            try (Socket socket = connect(full.port())) {
                send(socket, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 200");
            }

            assertThat(logs.lines())
                    .extracting(LogCapture.Line::text)
                    .anySatisfy(text -> assertThat(text)
                            .startsWith("tool definitions are compared with their pins")
                            .contains("mode=warn"))
                    .anySatisfy(text -> assertThat(text)
                            .startsWith("shadow mode:")
                            .contains("decision_path=mcp/candidate/decision"))
                    .anySatisfy(text -> assertThat(text)
                            .startsWith("policy inputs and decisions are recorded")
                            .contains("arguments=hashed"))
                    .noneSatisfy(text -> assertThat(text).contains("mask.hash_key_generated"));
        }
    }

    /** The status line and the body of the answer to {@code GET path} on a new connection. */
    private static String get(int port, String path) throws IOException {
        try (Socket socket = connect(port)) {
            send(socket, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return answer.substring(0, answer.indexOf("\r\n")) + " " + answer.substring(answer.indexOf("\r\n\r\n") + 4);
        }
    }

    @Test
    void a_stdio_server_is_the_upstream_readiness_asks_and_recording_masked_and_pinning_off_are_assembled(
            @TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("pins.json"), ToolPins.manifest(nowhere + "/mcp", Map.of()));
        ProxyConfig config = ProxyConfig.parse(
                """
                listen:
                  host: 127.0.0.1
                  port: 0
                upstream:
                  url: %1$s/mcp
                  stdio:
                    command: ["cat"]
                    mode: per-subject
                  tool-pins:
                    file: %2$s/pins.json
                    mode: "off"
                opa:
                  url: %1$s
                policy:
                  record:
                    file: %2$s/decisions.jsonl
                """.formatted(nowhere, dir),
                Map.of(
                        "MCPGUARD_AUTH_MODE",
                        "none",
                        "MCPGUARD_AUDIT_ENABLED",
                        "false",
                        "MCPGUARD_AUDIT_SPOOL",
                        "memory"));
        ProxyServer server;
        try (LogCapture logs = new LogCapture(PolicyChain.class.getName())) {
            server = new ProxyServer(config, TestSubjects.ACME_VIEWERS);
            assertThat(logs.lines())
                    .anySatisfy(line -> assertThat(line.text())
                            .startsWith("policy inputs and decisions are recorded")
                            .contains("arguments=masked"))
                    .as("a manifest named with pinning off compares nothing")
                    .noneSatisfy(line -> assertThat(line.text()).contains("compared with their pins"));
        }
        try {
            int port = server.start();

            // Children per subject start with their first request: none is missing yet. The url is not asked.
            assertThat(get(port, "/readyz"))
                    .startsWith("HTTP/1.1 503")
                    .contains("policy: ")
                    .doesNotContain("upstream");
            assertThat(get(proxy.port(), "/readyz"))
                    .as("the same check on a proxy in front of the url")
                    .contains("upstream: ");
        } finally {
            server.close();
        }
    }
}
