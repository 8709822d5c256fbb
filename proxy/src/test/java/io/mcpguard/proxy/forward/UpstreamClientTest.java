package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.config.Secret;
import io.mcpguard.proxy.config.TlsSettings;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.mask.UpstreamErrorSanitizer;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.mcpguard.proxy.testing.ScriptedUpstream;
import io.mcpguard.proxy.testing.ScriptedUpstream.Answer;
import io.mcpguard.proxy.testing.ScriptedUpstream.Piece;
import io.mcpguard.proxy.testing.TestCertificates;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hop to the guarded server, over real sockets to a real HTTP server ({@link ScriptedUpstream}): what the server
 * is sent (the proxy's credential and never the client's, the proxy's body and lengths, the upstream's host, the
 * query, who forwarded it) and what happens when it cannot be reached. The client side is a Netty server whose
 * handler forwards each request it reads, as the forward stage does.
 */
class UpstreamClientTest {
    private static final TextMasker TEXTS =
            new TextMasker(SensitiveDataScanner.withDefaults(List.of("internal")), new byte[32]);
    private static final AnswerInspection INSPECTION =
            new AnswerInspection(new JsonMasker(TEXTS), new UpstreamErrorSanitizer(TEXTS), MaskRules.redactAll());
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String ANSWER = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}";

    private static ScriptedUpstream server;
    private static NioEventLoopGroup group;
    /** A CA, an https server's certificate it signed, and another CA: made once, RSA keys are slow to make. */
    private static TestCertificates.Issued upstreamCa;

    private static TestCertificates.Issued otherCa;
    private static TestCertificates.Issued serverCertificate;

    private final List<String> endings = new CopyOnWriteArrayList<>();
    /** The first ending the relay reported: waited for instead of polled. */
    private final CompletableFuture<String> ended = new CompletableFuture<>();

    private UpstreamClient upstream;
    private Channel listener;

    @BeforeAll
    static void start() {
        server = new ScriptedUpstream();
        group = new NioEventLoopGroup(1);
        upstreamCa = TestCertificates.ca("upstream-ca");
        otherCa = TestCertificates.ca("other-ca");
        serverCertificate = TestCertificates.server(upstreamCa, "mcp-server");
    }

    @AfterAll
    static void stop() {
        server.close();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (upstream != null) {
            upstream.close();
        }
        server.clear();
    }

    private static ProxyConfig.Upstream config(String url, Secret credential) {
        return new ProxyConfig.Upstream(
                URI.create(url), Duration.ofSeconds(2), Duration.ofSeconds(10), 2, "X-Upstream-Key", credential, null);
    }

    /** A client-facing port whose every request is forwarded through {@code client} for subject alice. */
    private String front(UpstreamClient client) throws Exception {
        this.upstream = client;
        RelayListener report = new RelayListener() {
            @Override
            public void failedBeforeResponse(ErrorCode code, String message) {
                endings.add("failed " + code + ": " + message);
                ended.complete("failed " + code + ": " + message);
            }

            @Override
            public void completed() {
                endings.add("completed");
                ended.complete("completed");
            }
        };
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(1 << 20))
                                .addLast(new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                        String query = new QueryStringDecoder(request.uri()).rawQuery();
                                        byte[] body = ByteBufUtil.getBytes(request.content());
                                        client.forward(
                                                ctx,
                                                request.method(),
                                                query.isEmpty() ? null : query,
                                                request.headers().copy(),
                                                body.length == 0 ? null : Unpooled.wrappedBuffer(body),
                                                new AnswerPlan(Map.of(), Map.of(), null, Set.of("1")),
                                                report,
                                                "alice@acme");
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
        return "http://127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort() + "/mcp";
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return CLIENT.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(Map<String, List<String>> headers, String name) {
        return headers.entrySet().stream()
                .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                .map(entry -> String.join(",", entry.getValue()))
                .findFirst()
                .orElse(null);
    }

    @Test
    void the_server_gets_the_proxy_s_credential_and_body_never_the_client_s_credentials() throws Exception {
        URI base = URI.create(server.url());
        String url = front(new UpstreamClient(
                config(server.url() + "?tenant=acme", new Secret("proxy-key")),
                null,
                1,
                new DeclaredTools(10),
                INSPECTION,
                1 << 20,
                true));
        server.script(body -> new Answer(200, "application/json", List.of(Piece.of(ANSWER))));

        HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create(url + "?x=1"))
                .header("Authorization", "Bearer client-token")
                .header("Cookie", "session=client")
                .header("X-Upstream-Key", "client-forged")
                .header("Mcpguard-Subject", "forged")
                .header("Origin", "http://127.0.0.1")
                .header("X-Forwarded-For", "10.0.0.1")
                .header("Accept-Encoding", "gzip")
                .header("Content-Type", "application/json; charset=latin1")
                .header("Mcp-Session-Id", "s-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo(ANSWER);
        Map<String, List<String>> sent = server.requestHeaders().get(0);
        assertThat(header(sent, "Authorization")).isNull();
        assertThat(header(sent, "Cookie")).isNull();
        assertThat(header(sent, "Origin")).isNull();
        assertThat(header(sent, "X-Upstream-Key")).isEqualTo("proxy-key");
        assertThat(header(sent, "Mcpguard-Subject"))
                .isEqualTo(Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString("alice@acme".getBytes(StandardCharsets.UTF_8)));
        assertThat(header(sent, "Host")).isEqualTo(base.getHost() + ":" + base.getPort());
        assertThat(header(sent, "Accept-Encoding")).isEqualTo("identity");
        assertThat(header(sent, "Content-Type")).isEqualTo("application/json");
        assertThat(header(sent, "Content-Length"))
                .isEqualTo(String.valueOf(server.bodies().get(0).length()));
        assertThat(header(sent, "X-Forwarded-For")).isEqualTo("10.0.0.1, 127.0.0.1");
        assertThat(header(sent, "Mcp-Session-Id")).isEqualTo("s-1");
        assertThat(server.requestTargets()).containsExactly("POST /mcp?tenant=acme&x=1");
        for (int i = 0; i < 200 && endings.isEmpty(); i++) { // the relay ends once the last byte is written
            Thread.sleep(50);
        }
        assertThat(endings).containsExactly("completed");
    }

    @Test
    void without_a_body_no_length_or_type_is_stated_and_the_subject_is_passed_only_when_asked() throws Exception {
        String url = front(new UpstreamClient(
                config(server.url(), null),
                new TlsSettings.Upstream(null),
                2,
                new DeclaredTools(10),
                INSPECTION,
                1 << 20));
        server.script(body -> new Answer(202, null, List.of()));

        HttpResponse<String> deleted = send(HttpRequest.newBuilder(URI.create(url + "?x=1"))
                .header("X-Upstream-Key", "client-forged")
                .header("Mcpguard-Subject", "forged")
                .DELETE());
        HttpResponse<String> plain =
                send(HttpRequest.newBuilder(URI.create(url)).GET());

        assertThat(deleted.statusCode()).isEqualTo(202);
        Map<String, List<String>> sent = server.requestHeaders().get(0);
        assertThat(header(sent, "X-Upstream-Key"))
                .as("no credential configured: none sent")
                .isNull();
        assertThat(header(sent, "Mcpguard-Subject")).isNull();
        assertThat(header(sent, "Content-Type")).isNull();
        assertThat(header(sent, "X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(server.requestTargets()).containsExactly("DELETE /mcp?x=1", "GET /mcp");
        assertThat(plain.statusCode()).isEqualTo(202);
    }

    @Test
    void a_call_of_the_proxy_s_own_carries_its_credential_the_subject_and_the_server_s_query() throws Exception {
        UpstreamClient withAll = new UpstreamClient(
                config(server.url() + "?tenant=acme", new Secret("proxy-key")),
                null,
                1,
                new DeclaredTools(10),
                INSPECTION,
                1 << 20,
                true);
        UpstreamClient bare = new UpstreamClient(
                config(server.url(), null), null, 1, new DeclaredTools(10), INSPECTION, 1 << 20, true);
        server.script(body -> new Answer(200, "application/json", List.of(Piece.of(ANSWER))));
        io.netty.handler.codec.http.HttpHeaders headers = new io.netty.handler.codec.http.DefaultHttpHeaders()
                .set("Content-Type", "application/json")
                .set("Mcpguard-Subject", "forged");
        try {
            OwnCalls.Answer first = withAll.call(
                            (io.netty.channel.EventLoop) group.next(),
                            io.netty.handler.codec.http.HttpMethod.POST,
                            headers,
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8),
                            "alice@acme")
                    .get(10, TimeUnit.SECONDS);
            OwnCalls.Answer second = bare.call(
                            (io.netty.channel.EventLoop) group.next(),
                            io.netty.handler.codec.http.HttpMethod.DELETE,
                            new io.netty.handler.codec.http.DefaultHttpHeaders().set("Mcpguard-Subject", "forged"),
                            null,
                            null)
                    .get(10, TimeUnit.SECONDS);

            assertThat(new String(first.body(), StandardCharsets.UTF_8)).isEqualTo(ANSWER);
            assertThat(second.status()).isEqualTo(200);
        } finally {
            withAll.close();
            bare.close();
        }
        assertThat(server.requestTargets()).containsExactly("POST /mcp?tenant=acme", "DELETE /mcp");
        Map<String, List<String>> first = server.requestHeaders().get(0);
        assertThat(header(first, "X-Upstream-Key")).isEqualTo("proxy-key");
        assertThat(header(first, "Mcpguard-Subject"))
                .isEqualTo(Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString("alice@acme".getBytes(StandardCharsets.UTF_8)));
        assertThat(header(first, "Accept-Encoding")).isEqualTo("identity");
        assertThat(header(first, "Content-Length"))
                .isEqualTo(String.valueOf(server.bodies().get(0).length()));
        Map<String, List<String>> second = server.requestHeaders().get(1);
        assertThat(header(second, "X-Upstream-Key")).isNull();
        assertThat(header(second, "Mcpguard-Subject"))
                .as("no subject given: a client's forged one is not passed either")
                .isNull();
        assertThat(header(second, "Content-Length")).isEqualTo("0");
    }

    @Test
    void a_server_url_without_a_path_is_sent_to_the_root_with_its_own_query() throws Exception {
        List<String> targets = new CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer root =
                com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        root.createContext("/", exchange -> {
            targets.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        root.start();
        try {
            String url = front(new UpstreamClient(
                    config("http://127.0.0.1:" + root.getAddress().getPort() + "?tenant=acme", null),
                    null,
                    1,
                    new DeclaredTools(10),
                    INSPECTION,
                    1 << 20));

            HttpResponse<String> answer =
                    send(HttpRequest.newBuilder(URI.create(url)).GET());

            assertThat(answer.statusCode()).isEqualTo(202);
            assertThat(targets).containsExactly("GET /?tenant=acme");
        } finally {
            root.stop(0);
        }
    }

    /** An https server on loopback presenting a certificate for 127.0.0.1 signed by the upstream CA, answering ANSWER. */
    private static com.sun.net.httpserver.HttpsServer httpsServer() throws Exception {
        com.sun.net.httpserver.HttpsServer https =
                com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(
                new com.sun.net.httpserver.HttpsConfigurator(serverCertificate.sslContext(upstreamCa.certificate())));
        https.createContext("/mcp", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = ANSWER.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        https.start();
        return https;
    }

    private static UpstreamClient trusting(com.sun.net.httpserver.HttpsServer https, Path bundle) {
        return new UpstreamClient(
                config("https://127.0.0.1:" + https.getAddress().getPort() + "/mcp", null),
                new TlsSettings.Upstream(bundle),
                1,
                new DeclaredTools(10),
                INSPECTION,
                1 << 20);
    }

    private static CompletableFuture<OwnCalls.Answer> ownCall(UpstreamClient client) {
        return client.call(
                (io.netty.channel.EventLoop) group.next(),
                io.netty.handler.codec.http.HttpMethod.POST,
                new io.netty.handler.codec.http.DefaultHttpHeaders().set("Content-Type", "application/json"),
                "{}".getBytes(StandardCharsets.UTF_8),
                null);
    }

    @Test
    void an_https_server_whose_certificate_the_ca_bundle_vouches_for_is_used_for_relays_and_own_calls(@TempDir Path dir)
            throws Exception {
        Path bundle = dir.resolve("ca.pem");
        upstreamCa.writeCertificate(bundle);
        com.sun.net.httpserver.HttpsServer https = httpsServer();
        try (io.mcpguard.proxy.testing.LogCapture logs =
                new io.mcpguard.proxy.testing.LogCapture(UpstreamClient.class.getName())) {
            String url = front(trusting(https, bundle));

            HttpResponse<String> relayed =
                    send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString("{}")));
            OwnCalls.Answer own = ownCall(upstream).get(10, TimeUnit.SECONDS);

            assertThat(relayed.body()).isEqualTo(ANSWER);
            assertThat(new String(own.body(), StandardCharsets.UTF_8)).isEqualTo(ANSWER);
            assertThat(ended.get(10, TimeUnit.SECONDS)).isEqualTo("completed");
            assertThat(logs.lines()).noneMatch(line -> line.text().contains("upstream.tls_handshake_failed"));
        } finally {
            https.stop(0);
        }
    }

    @Test
    void an_https_server_the_ca_bundle_does_not_vouch_for_is_unreachable_and_the_operator_is_told_why(@TempDir Path dir)
            throws Exception {
        Path otherBundle = dir.resolve("other.pem");
        otherCa.writeCertificate(otherBundle);
        com.sun.net.httpserver.HttpsServer https = httpsServer();
        try (io.mcpguard.proxy.testing.LogCapture logs =
                new io.mcpguard.proxy.testing.LogCapture(UpstreamClient.class.getName())) {
            String url = front(trusting(https, otherBundle));

            // The listener only reports: nothing answers the client here, so only the ending is waited for.
            CompletableFuture<HttpResponse<String>> pending = CLIENT.sendAsync(
                    HttpRequest.newBuilder(URI.create(url))
                            .POST(HttpRequest.BodyPublishers.ofString("{}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            String ending = ended.get(10, TimeUnit.SECONDS);
            pending.cancel(true);

            // The handshake fails after the pool's connection opened: the request's write fails, never goes in clear.
            assertThat(ending).isEqualTo("failed UPSTREAM_UNAVAILABLE: cannot send the request to the MCP server");
            assertThat(logs.lines())
                    .anySatisfy(line -> assertThat(line.text())
                            .contains("event.name=upstream.tls_handshake_failed")
                            .contains("upstream=127.0.0.1:" + https.getAddress().getPort()));
            assertThat(ownCall(upstream))
                    .as("nothing is sent in the clear either")
                    .failsWithin(Duration.ofSeconds(10));
        } finally {
            https.stop(0);
        }
    }

    @Test
    void a_server_that_cannot_be_reached_fails_before_any_answer_and_is_not_ready() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        UpstreamClient unreachable = new UpstreamClient(
                config("http://127.0.0.1:" + closedPort, null), null, 1, new DeclaredTools(10), INSPECTION, 1 << 20);
        String url = front(unreachable);

        // The listener only reports: nothing answers the client here, so it is not waited for.
        CompletableFuture<HttpResponse<String>> pending = CLIENT.sendAsync(
                HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 200 && endings.isEmpty(); i++) {
            Thread.sleep(50);
        }
        pending.cancel(true);

        assertThat(endings).containsExactly("failed UPSTREAM_UNAVAILABLE: MCP server is unreachable");
        CompletableFuture<Void> closedProbe = unreachable.reachable(group.next());
        assertThat(closedProbe)
                .failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withMessageContaining("unreachable");
        UpstreamClient reachable =
                new UpstreamClient(config(server.url(), null), null, 1, new DeclaredTools(10), INSPECTION, 1 << 20);
        try {
            assertThat(reachable.reachable(group.next())).succeedsWithin(Duration.ofSeconds(10));
        } finally {
            reachable.close();
        }
    }

    @Test
    void an_https_server_needs_a_ca_bundle_that_loads(@TempDir Path dir) throws Exception {
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate");

        assertThatThrownBy(() -> new UpstreamClient(
                        config("https://127.0.0.1:8443/mcp", null),
                        new TlsSettings.Upstream(notPem),
                        1,
                        new DeclaredTools(10),
                        INSPECTION,
                        1 << 20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("upstream.tls.ca-file")
                .hasMessageContaining("ca.pem");
        UpstreamClient jdkTrust = new UpstreamClient(
                config("https://localhost/mcp", null), null, 1, new DeclaredTools(10), INSPECTION, 1 << 20);
        jdkTrust.close();
    }
}
