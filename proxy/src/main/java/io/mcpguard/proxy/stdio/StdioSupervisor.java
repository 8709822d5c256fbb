package io.mcpguard.proxy.stdio;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.StdioServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the children alive: one for everybody ({@code mode: shared}, started with the proxy) or one per subject
 * ({@code per-subject}, started on the subject's first request, shut down when idle). A child that ends is started
 * again after a growing wait ({@link RestartBackoff}); until then requests are refused at once rather than held. At
 * most {@code max-processes} children live at once. Launching and stopping block, so they run on the supervisor's
 * own threads, never on an event loop.
 */
public final class StdioSupervisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StdioSupervisor.class);
    static final String SHARED = "shared";

    private final StdioServer config;
    private final ObjectMapper json;
    private final UnaryOperator<String> scrub;
    private final String version;
    private final RestartBackoff backoff;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService stoppers;
    private volatile boolean closed;

    /** One child's place: the session running in it, or when the next may start. Guarded by itself. */
    private static final class Slot {
        final String label;
        StdioSession session;
        int failures;
        long notBeforeNanos;

        Slot(String label) {
            this.label = label;
        }
    }

    /**
     * @param scrub what a stderr line of a child becomes before it is logged
     * @param version the proxy's version, named in its {@code initialize}
     */
    public StdioSupervisor(StdioServer config, ObjectMapper json, UnaryOperator<String> scrub, String version) {
        this.config = config;
        this.json = json;
        this.scrub = scrub;
        this.version = version;
        this.backoff = new RestartBackoff(config.restartBackoff(), config.restartBackoffMax());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "mcpguard-stdio-supervisor"));
        this.stoppers = Executors.newCachedThreadPool(r -> daemon(r, "mcpguard-stdio-stop"));
        if (config.perSubject()) {
            long every = Math.max(1000, Math.min(config.idleTimeout().toMillis() / 2, 30_000));
            scheduler.scheduleWithFixedDelay(this::stopIdle, every, every, TimeUnit.MILLISECONDS);
        } else {
            scheduler.execute(() -> startIn(slot(SHARED)));
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }

    boolean perSubject() {
        return config.perSubject();
    }

    /**
     * The initialized session for {@code subject} (ignored in shared mode): at once if its child runs, after the
     * launch and handshake if it must start, failed with {@link StdioUnavailableException} if it may not start now.
     * Never blocks the caller.
     */
    CompletableFuture<StdioSession> session(String subject) {
        String key = config.perSubject() ? subject : SHARED;
        return CompletableFuture.supplyAsync(() -> acquire(key), scheduler)
                .thenCompose(s -> s.initialized().thenApply(result -> s));
    }

    private Slot slot(String key) {
        return slots.computeIfAbsent(key, k -> new Slot(k.equals(SHARED) ? SHARED : pseudonym(k)));
    }

    private StdioSession acquire(String key) {
        if (closed) {
            throw new StdioUnavailableException("the proxy is shutting down");
        }
        if (!slots.containsKey(key) && running() >= config.maxProcesses()) {
            throw new StdioUnavailableException("the stdio MCP server runs as many processes as it may");
        }
        Slot slot = slot(key);
        synchronized (slot) {
            if (slot.session != null) {
                return slot.session;
            }
            long wait = slot.notBeforeNanos - System.nanoTime();
            if (wait > 0) {
                throw new StdioUnavailableException("the stdio MCP server is restarting; next attempt in "
                        + Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait)) + "s");
            }
            if (running() >= config.maxProcesses()) {
                throw new StdioUnavailableException("the stdio MCP server runs as many processes as it may");
            }
            return startIn(slot);
        }
    }

    private int running() {
        int count = 0;
        for (Slot slot : slots.values()) {
            synchronized (slot) {
                if (slot.session != null) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Launches a child into {@code slot}; on the scheduler thread. */
    private StdioSession startIn(Slot slot) {
        synchronized (slot) {
            if (closed || slot.session != null) {
                return slot.session;
            }
            StdioSession session = new StdioSession(json, config.maxPending(), slot.label);
            slot.session = session;
            try {
                ChildProcess child = ChildProcess.start(
                        config, slot.label, session::onLine, code -> ended(slot, session, code), scrub);
                session.attach(child);
            } catch (IOException e) {
                log.atError()
                        .addKeyValue("event.name", "stdio.launch_failed")
                        .addKeyValue("stdio.child", slot.label)
                        .addKeyValue("error.type", e.getClass().getSimpleName())
                        .log("the stdio MCP server could not be launched: " + e.getMessage());
                slot.session = null;
                session.ended();
                scheduleRestart(slot, session);
                return session;
            }
            session.initialize(config.startupTimeout().toMillis(), version).whenComplete((result, failure) -> {
                if (failure != null && session.child().alive()) {
                    log.atWarn()
                            .addKeyValue("event.name", "stdio.initialize_failed")
                            .addKeyValue("stdio.child", slot.label)
                            .log("the stdio MCP server did not answer initialize in time; stopping it");
                    stoppers.execute(() -> session.child().stop(config.shutdownGrace()));
                }
            });
            return session;
        }
    }

    /** The child of {@code session} ended (its stdout closed and it exited); on its reader thread. */
    private void ended(Slot slot, StdioSession session, int exitCode) {
        session.ended();
        // Stopped on purpose (the proxy closing, an idle child let go): no restart. Any other end is a failure.
        ChildProcess child = session.child(); // null when it ended before its launch returned
        boolean wanted = child != null && child.stopping() && (closed || !slots.containsValue(slot));
        synchronized (slot) {
            if (slot.session == session) {
                slot.session = null;
            }
            if (wanted) {
                return;
            }
            log.atWarn()
                    .addKeyValue("event.name", "stdio.exited")
                    .addKeyValue("stdio.child", slot.label)
                    .addKeyValue("process.pid", child == null ? -1 : child.pid())
                    .addKeyValue("process.exit.code", exitCode)
                    .log("the stdio MCP server ended");
            scheduleRestart(slot, session);
        }
    }

    /** Called holding {@code slot}: counts the failure and sets when the next start may happen. */
    private void scheduleRestart(Slot slot, StdioSession last) {
        if (closed) {
            return;
        }
        // A child that stayed up as long as the longest wait was healthy: its end starts the count afresh.
        slot.failures = last.upNanos() >= config.restartBackoffMax().toNanos() ? 1 : slot.failures + 1;
        Duration wait = backoff.after(slot.failures);
        slot.notBeforeNanos = System.nanoTime() + wait.toNanos();
        log.atInfo()
                .addKeyValue("event.name", "stdio.restart_scheduled")
                .addKeyValue("stdio.child", slot.label)
                .addKeyValue("stdio.failures", slot.failures)
                .addKeyValue("stdio.restart_in_ms", wait.toMillis())
                .log("the stdio MCP server starts again after a wait");
        if (!config.perSubject()) {
            // The shared child comes back by itself, so the first request after the wait finds it ready.
            scheduler.schedule(() -> startIn(slot), wait.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Per-subject children with no request for {@code idle-timeout} are shut down, and their place freed. */
    private void stopIdle() {
        long idle = config.idleTimeout().toNanos();
        for (Map.Entry<String, Slot> entry : slots.entrySet()) {
            Slot slot = entry.getValue();
            synchronized (slot) {
                StdioSession session = slot.session;
                if (session == null && System.nanoTime() - slot.notBeforeNanos > idle) {
                    slots.remove(entry.getKey());
                } else if (session != null && session.child() != null && session.idleLongerThan(idle)) {
                    slots.remove(entry.getKey());
                    slot.session = null;
                    log.atInfo()
                            .addKeyValue("event.name", "stdio.idle_stop")
                            .addKeyValue("stdio.child", slot.label)
                            .log("stopping an idle stdio MCP server");
                    stoppers.execute(() -> session.child().stop(config.shutdownGrace()));
                }
            }
        }
    }

    /**
     * For {@code /readyz}: in shared mode, completes when the child is up and initialized, fails while it is not;
     * in per-subject mode children start on demand, so the supervisor itself is ready.
     */
    CompletableFuture<Void> ready() {
        if (config.perSubject()) {
            return closed
                    ? CompletableFuture.failedFuture(new StdioUnavailableException("the proxy is shutting down"))
                    : CompletableFuture.completedFuture(null);
        }
        Slot slot = slots.get(SHARED);
        StdioSession session;
        if (slot == null) {
            session = null;
        } else {
            synchronized (slot) {
                session = slot.session;
            }
        }
        if (session == null
                || !session.initialized().isDone()
                || session.initialized().isCompletedExceptionally()) {
            return CompletableFuture.failedFuture(new StdioUnavailableException("the stdio MCP server is not up"));
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The children's process ids, for tests and diagnostics. */
    List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (Slot slot : slots.values()) {
            synchronized (slot) {
                if (slot.session != null && slot.session.child() != null) {
                    pids.add(slot.session.child().pid());
                }
            }
        }
        return pids;
    }

    /** A subject's name in logs and thread names: a short hash, never the id itself. */
    private static String pseudonym(String subject) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(subject.getBytes(StandardCharsets.UTF_8));
            return "subject-" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Stops every child, all at once, each bounded by {@code shutdown-grace} plus two seconds. Blocking. */
    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (Slot slot : slots.values()) {
            StdioSession session;
            synchronized (slot) {
                session = slot.session;
                slot.session = null;
            }
            if (session != null && session.child() != null) {
                stops.add(CompletableFuture.runAsync(() -> session.child().stop(config.shutdownGrace()), stoppers));
            }
        }
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                    .get(config.shutdownGrace().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.atWarn()
                    .addKeyValue("event.name", "stdio.stop_incomplete")
                    .log("not every stdio MCP server stopped in time");
        }
        stoppers.shutdownNow();
    }
}
