package io.mcpguard.proxy.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.forward.UpstreamClient;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridges 2026-07-28 ("modern") clients to a guarded server that speaks only the legacy eras. The proxy holds one
 * legacy session with the server per subject: opened at the subject's first modern request with the handshake a
 * legacy client makes, used by every later modern request of that subject, and ended at the server ({@code DELETE})
 * when idle for {@code upstream.bridge.idle-timeout}, when {@code upstream.bridge.max-sessions} needs its place (the
 * least recently used goes), and at the proxy's stop. One session per subject, so no subject holds more than one; the
 * global bound holds for all. A legacy client keeps its own session end to end and never comes here.
 *
 * <p>Thread-safe: requests of one subject on several event loops share the one opening.
 */
public final class LegacyBridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LegacyBridge.class);

    private final UpstreamClient upstream;
    private final EventLoopGroup loops;
    private final LegacyHandshake handshake;
    private final AsyncCache<String, LegacySession> sessions;
    private volatile boolean closing;

    /**
     * @param upstream the guarded server's client, whose credential and address the handshake uses
     * @param loops where the bridge's own requests run (ending sessions)
     * @param maxAnswerBytes the largest answer to the handshake the bridge reads
     */
    public LegacyBridge(
            UpstreamClient upstream,
            ProxyConfig.Bridge config,
            EventLoopGroup loops,
            ObjectMapper json,
            int maxAnswerBytes) {
        this.upstream = upstream;
        this.loops = loops;
        this.handshake = new LegacyHandshake(json, maxAnswerBytes, version());
        this.sessions = Caffeine.newBuilder()
                .maximumSize(config.maxSessions())
                .expireAfterAccess(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .scheduler(Scheduler.systemScheduler())
                .<String, LegacySession>removalListener(this::removed)
                .buildAsync();
    }

    /**
     * The subject's session with the server, opened when it has none. Fails with a {@link BridgeException} when the
     * server cannot be reached or refuses the handshake; a failed opening is not kept, so the next request tries
     * again.
     *
     * @param loop the event loop the opening runs on (the requesting client's)
     */
    public CompletableFuture<LegacySession> session(EventLoop loop, String subject) {
        return sessions.get(subject, (key, executor) -> open(loop, key));
    }

    /**
     * The server no longer knows {@code session} (it answered 404, as after a restart): it is dropped, and the
     * subject's next request opens a new one.
     */
    public void lost(String subject, LegacySession session) {
        CompletableFuture<LegacySession> held = sessions.getIfPresent(subject);
        if (held != null && held.isDone() && !held.isCompletedExceptionally() && held.join() == session) {
            sessions.asMap().remove(subject, held);
        }
    }

    /** How many sessions are open or opening. */
    public long openSessions() {
        return sessions.synchronous().estimatedSize();
    }

    /** Ends every session at the server, waiting a moment for the server's answers (the proxy is stopping). */
    @Override
    public void close() {
        closing = true;
        List<CompletableFuture<?>> ends = new ArrayList<>();
        sessions.asMap().forEach((subject, held) -> {
            if (held.isDone() && !held.isCompletedExceptionally()) {
                ends.add(end(subject, held.join()));
            }
        });
        sessions.synchronous().invalidateAll();
        try {
            CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Best effort: a server that does not answer ends idle sessions itself.
        }
    }

    private CompletableFuture<LegacySession> open(EventLoop loop, String subject) {
        HttpHeaders headers = new DefaultHttpHeaders()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.ACCEPT, "application/json, text/event-stream");
        return upstream.call(loop, HttpMethod.POST, headers, handshake.initialize(), subject)
                .thenCompose(answer -> {
                    LegacySession session = handshake.read(answer);
                    return upstream.call(
                                    loop,
                                    HttpMethod.POST,
                                    sessionHeaders(headers, session),
                                    handshake.initialized(),
                                    subject)
                            .thenApply(ack -> {
                                if (ack.status() / 100 != 2) {
                                    throw new BridgeException("the MCP server answered the bridge's"
                                            + " notifications/initialized with HTTP " + ack.status());
                                }
                                return session;
                            });
                })
                .handle((session, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof java.util.concurrent.CompletionException
                                ? failure.getCause()
                                : failure;
                        String why = cause instanceof BridgeException
                                ? cause.getMessage()
                                : cause == null ? "unknown" : cause.getMessage();
                        log.atWarn()
                                .addKeyValue("event.name", "bridge.session_failed")
                                .addKeyValue("reason", why)
                                .log("the MCP server did not open a session for the era bridge");
                        throw cause instanceof BridgeException bridge ? bridge : new BridgeException(why);
                    }
                    log.atInfo()
                            .addKeyValue("event.name", "bridge.session_opened")
                            .addKeyValue("mcp.protocol.version", session.version())
                            .addKeyValue("bridge.sessions", openSessions())
                            .log("era bridge: a legacy session with the MCP server is open for a modern client");
                    return session;
                });
    }

    /** The headers a request in {@code session} carries besides its own. */
    public static HttpHeaders sessionHeaders(HttpHeaders headers, LegacySession session) {
        HttpHeaders copy = headers.copy();
        copy.remove("Mcp-Session-Id");
        if (session.id() != null) {
            copy.set("Mcp-Session-Id", session.id());
        }
        copy.set("MCP-Protocol-Version", session.version());
        return copy;
    }

    /** A session left the cache (idle, evicted, dropped): ended at the server, whose answer is not needed. */
    private void removed(String subject, LegacySession session, RemovalCause cause) {
        if (session == null || closing) {
            return;
        }
        log.atDebug()
                .addKeyValue("event.name", "bridge.session_ended")
                .addKeyValue("cause", cause.name())
                .log("era bridge: a legacy session is ended at the MCP server");
        end(subject, session);
    }

    private CompletableFuture<?> end(String subject, LegacySession session) {
        if (session.id() == null) {
            return CompletableFuture.completedFuture(null);
        }
        return upstream.call(
                        loops.next(),
                        HttpMethod.DELETE,
                        sessionHeaders(new DefaultHttpHeaders(), session),
                        null,
                        subject)
                .exceptionally(failure -> null); // the server ends idle sessions itself too
    }

    private static String version() {
        String version = LegacyBridge.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
