package io.mcpguard.proxy.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.config.Secret;
import io.mcpguard.proxy.forward.AnswerInspection;
import io.mcpguard.proxy.forward.UpstreamClient;
import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.mask.UpstreamErrorSanitizer;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.mcpguard.proxy.testing.ScriptedUpstream;
import io.mcpguard.proxy.testing.ScriptedUpstream.Answer;
import io.mcpguard.proxy.testing.ScriptedUpstream.Piece;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bridge's sessions over real sockets to a scripted legacy server: one opening shared by concurrent requests, the
 * proxy's credential on the handshake, a failed opening not kept, the idle expiry, and every session ended at the stop.
 */
class LegacyBridgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TextMasker TEXTS =
            new TextMasker(SensitiveDataScanner.withDefaults(List.of("internal")), new byte[32]);

    private final ScriptedUpstream server = new ScriptedUpstream();
    private final MultiThreadIoEventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final AtomicInteger opened = new AtomicInteger();
    private UpstreamClient upstream;
    private LegacyBridge bridge;

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        server.close();
    }

    /** A legacy server that opens session s1, s2, … and accepts everything else. */
    private Answer legacyServer(String body) {
        if (body.contains("\"method\":\"initialize\"")) {
            return new Answer(
                    200,
                    "application/json",
                    List.of(Piece.of("{\"jsonrpc\":\"2.0\",\"id\":\"mcpguard-bridge\",\"result\":"
                            + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}")),
                    Map.of("Mcp-Session-Id", "s" + opened.incrementAndGet()));
        }
        return new Answer(202, null, List.of());
    }

    private LegacyBridge bridge(Duration idle) {
        server.script(this::legacyServer);
        upstream = new UpstreamClient(
                new ProxyConfig.Upstream(
                        URI.create(server.url()),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(5),
                        4,
                        "X-Upstream-Key",
                        new Secret("proxy-key"),
                        null),
                null,
                2,
                new DeclaredTools(10),
                new AnswerInspection(new JsonMasker(TEXTS), new UpstreamErrorSanitizer(TEXTS), MaskRules.redactAll()),
                1 << 16);
        bridge = new LegacyBridge(upstream, new ProxyConfig.Bridge(true, 10, idle), loops, JSON, 1 << 16);
        return bridge;
    }

    private EventLoop loop() {
        return (EventLoop) loops.next();
    }

    @Test
    void concurrent_requests_of_one_subject_share_one_opening_with_the_proxys_credential() throws Exception {
        LegacyBridge bridge = bridge(Duration.ofMinutes(1));

        CompletableFuture<LegacySession> first = bridge.session(loop(), "alice");
        CompletableFuture<LegacySession> second = bridge.session(loop(), "alice");
        LegacySession other = bridge.session(loop(), "bob").get(5, TimeUnit.SECONDS);

        assertThat(first.get(5, TimeUnit.SECONDS)).isSameAs(second.get(5, TimeUnit.SECONDS));
        assertThat(other.id()).isNotEqualTo(first.get().id());
        assertThat(opened).hasValue(2);
        assertThat(bridge.openSessions()).isEqualTo(2);
        assertThat(server.requestHeaders())
                .allSatisfy(headers -> assertThat(headers).containsEntry("X-upstream-key", List.of("proxy-key")));
    }

    @Test
    void a_failed_opening_is_not_kept_so_the_next_request_tries_again() throws Exception {
        LegacyBridge bridge = bridge(Duration.ofMinutes(1));
        server.script(body -> new Answer(503, "text/plain", List.of(Piece.of("starting"))));

        CompletableFuture<LegacySession> refused = bridge.session(loop(), "alice");

        assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(BridgeException.class)
                .hasMessageContaining("HTTP 503");
        server.script(this::legacyServer); // the server is up now
        assertThat(bridge.session(loop(), "alice").get(5, TimeUnit.SECONDS).id())
                .isEqualTo("s1");
    }

    @Test
    void a_server_that_refuses_notifications_initialized_opens_no_session() {
        LegacyBridge bridge = bridge(Duration.ofMinutes(1));
        server.script(body -> body.contains("notifications/initialized")
                ? new Answer(400, "application/json", List.of(Piece.of("{}")))
                : legacyServer(body));

        assertThatThrownBy(() -> bridge.session(loop(), "alice").get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(BridgeException.class)
                .hasMessageContaining("notifications/initialized with HTTP 400");
        assertThat(bridge.openSessions()).isZero();
    }

    @Test
    void a_server_that_mints_no_session_is_told_of_no_end() throws Exception {
        LegacyBridge bridge = bridge(Duration.ofMinutes(1));
        server.script(body -> body.contains("\"method\":\"initialize\"")
                ? new Answer(
                        200,
                        "application/json",
                        List.of(Piece.of("{\"jsonrpc\":\"2.0\",\"id\":\"mcpguard-bridge\",\"result\":"
                                + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}")))
                : new Answer(202, null, List.of()));

        assertThat(bridge.session(loop(), "alice").get(5, TimeUnit.SECONDS).id())
                .isNull();
        bridge.close();

        assertThat(server.requestTargets()).noneMatch(target -> target.startsWith("DELETE"));
    }

    @Test
    void an_unreachable_server_fails_the_opening() {
        LegacyBridge bridge = bridge(Duration.ofMinutes(1));
        server.close();

        assertThatThrownBy(() -> bridge.session(loop(), "alice").get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(BridgeException.class)
                .hasMessageContaining("unreachable");
    }

    @Test
    void an_idle_session_is_ended_at_the_server() throws Exception {
        LegacyBridge bridge = bridge(Duration.ofSeconds(1));
        bridge.session(loop(), "alice").get(5, TimeUnit.SECONDS);

        Instant deadline = Instant.now().plusSeconds(10);
        while (deletes().isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }

        assertThat(deletes()).containsExactly("s1");
        assertThat(bridge.openSessions()).isZero();
    }

    @Test
    void a_lost_session_is_dropped_and_the_next_request_opens_another() throws Exception {
        LegacyBridge bridge = bridge(Duration.ofMinutes(1));
        LegacySession first = bridge.session(loop(), "alice").get(5, TimeUnit.SECONDS);

        bridge.lost("bob", first); // not bob's: nothing happens
        bridge.lost("alice", new LegacySession("s1", "2025-11-25", JSON.createObjectNode(), null, null));
        assertThat(bridge.session(loop(), "alice").get(5, TimeUnit.SECONDS)).isSameAs(first);
        bridge.lost("alice", first);

        assertThat(bridge.session(loop(), "alice").get(5, TimeUnit.SECONDS).id())
                .isEqualTo("s2");
    }

    @Test
    void the_stop_ends_every_session_at_the_server() throws Exception {
        LegacyBridge bridge = bridge(Duration.ofMinutes(1));
        bridge.session(loop(), "alice").get(5, TimeUnit.SECONDS);
        bridge.session(loop(), "bob").get(5, TimeUnit.SECONDS);

        bridge.close();

        assertThat(deletes()).containsExactlyInAnyOrder("s1", "s2");
    }

    /** The sessions the server was told to end, in order. */
    private List<String> deletes() {
        List<String> targets = server.requestTargets();
        List<Map<String, List<String>>> headers = server.requestHeaders();
        List<String> ended = new java.util.ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            if (targets.get(i).startsWith("DELETE")) {
                ended.add(headers.get(i).get("Mcp-session-id").get(0));
            }
        }
        return ended;
    }
}
