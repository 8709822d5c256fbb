package io.mcpguard.proxy.it;

import static io.mcpguard.proxy.it.IdentityThroughProxyTest.initialize;
import static io.mcpguard.proxy.it.IdentityThroughProxyTest.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.Issuer;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.RecordingUpstream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What happens to the proxy's copy of the issuer's keys over time, each test with its own real issuer: a key
 * rotated at the issuer, the issuer going away while keys are cached, and the issuer away from the start.
 *
 * <p>Not on {@link io.mcpguard.proxy.testing.ProxyStack}, which starts its parts once per class: the subject here is
 * the lifecycle of one issuer's keys, so every test starts a fresh issuer, OPA and proxy (nothing cached from the
 * test before) and stops them after it.
 */
class IssuerKeyLifecycleTest {
    private static final String RESOURCE = "https://mcp.example.test/mcp";

    private Issuer issuer;
    private OpaProcess opa;
    private RecordingUpstream upstream;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        issuer = new Issuer();
        opa = new OpaProcess(Path.of(
                IssuerKeyLifecycleTest.class.getResource("/policies-mfa").toURI()));
        opa.start();
        upstream = new RecordingUpstream();
        proxy = new ProxyHarness(
                upstream.url(),
                opa.url(),
                Map.of(
                        "auth.mode", "required",
                        "auth.issuer", issuer.url(),
                        "auth.resource", RESOURCE,
                        "auth.jwks-cache-ttl", "1s",
                        "auth.jwks-min-refresh-interval", "0s"));
    }

    @AfterEach
    void stop() {
        if (proxy != null) proxy.close();
        if (upstream != null) upstream.close();
        if (opa != null) opa.close();
        if (issuer != null) issuer.close();
    }

    private int initializeWith(String token) throws Exception {
        HttpResponse<String> answer = post(proxy, token, null, initialize());
        return answer.statusCode();
    }

    @Test
    void a_key_rotated_at_the_issuer_is_learnt_at_once_and_the_retired_key_stops_working() throws Exception {
        String oldToken = issuer.token("alice", RESOURCE, Map.of());
        assertThat(initializeWith(oldToken)).isEqualTo(200);

        issuer.rotateKey();
        String newToken = issuer.token("alice", RESOURCE, Map.of());

        assertThat(initializeWith(newToken)).as("token with the new kid").isEqualTo(200);
        HttpResponse<String> retired = post(proxy, oldToken, null, initialize());
        assertThat(retired.statusCode()).as("token signed with the retired key").isEqualTo(401);
        assertThat(retired.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("no signing key of the issuer matches the token");
    }

    @Test
    void tokens_keep_verifying_with_cached_keys_while_the_issuer_is_down() throws Exception {
        String first = issuer.token("alice", RESOURCE, Map.of());
        String second = issuer.token("bob", RESOURCE, Map.of());
        assertThat(initializeWith(first)).isEqualTo(200);

        issuer.stop();
        Thread.sleep(1500); // past jwks-cache-ttl: the proxy tries to refresh, fails, keeps the cached keys

        assertThat(initializeWith(second)).isEqualTo(200);
        assertThat(initializeWith(first)).isEqualTo(200);
    }

    @Test
    void a_request_waiting_for_a_hung_key_fetch_blocks_no_event_loop_and_then_fails_closed() throws Exception {
        proxy.close();
        // A JWKS endpoint that accepts connections and never answers.
        try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(blackHole.accept());
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            proxy = new ProxyHarness(
                    upstream.url(),
                    opa.url(),
                    Map.of(
                            "auth.mode",
                            "required",
                            "auth.issuer",
                            issuer.url(),
                            "auth.jwks-uri",
                            "http://127.0.0.1:" + blackHole.getLocalPort() + "/jwks",
                            "auth.fetch-timeout",
                            "3s",
                            "auth.resource",
                            RESOURCE));
            String token = issuer.token("alice", RESOURCE, Map.of());

            CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return post(proxy, token, null, initialize());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            // New connections are spread over the event loops in turn; some share the waiting request's loop.
            for (int i = 0; i < 4; i++) {
                long start = System.nanoTime();
                HttpResponse<String> health = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(proxy.baseUrl() + "/healthz"))
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            }
            assertThat(waiting.isDone()).as("still waiting for the keys").isFalse();

            HttpResponse<String> answer = waiting.get(10, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(503);
            assertThat(upstream.received()).isEmpty();
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void with_no_key_ever_loaded_and_the_issuer_down_requests_fail_closed_with_503() throws Exception {
        proxy.close();
        String token = issuer.token("alice", RESOURCE, Map.of());
        issuer.stop();
        proxy = new ProxyHarness(
                upstream.url(),
                opa.url(),
                Map.of("auth.mode", "required", "auth.issuer", issuer.url(), "auth.resource", RESOURCE));

        HttpResponse<String> answer = post(proxy, token, null, initialize());

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.body()).contains("-32009");
        assertThat(upstream.received()).isEmpty();
    }
}
