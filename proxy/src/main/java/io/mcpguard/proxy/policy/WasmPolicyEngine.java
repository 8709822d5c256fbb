package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.ProxyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides in-process: the repository's Rego compiled to Wasm ({@code opa build -t wasm -e mcp/authz/decision -b
 * policies/}) and evaluated on Chicory through {@code opa-java-wasm}, with no OPA sidecar and no network hop.
 *
 * <p><b>Threads.</b> An evaluation costs far more than the ~10 µs that could run on a Netty event loop unnoticed (measured
 * with {@code scripts/bench-decisions-wasm.sh}: 0.3–6 ms per decision on the repository's policy, see the README), so decisions run
 * on a fixed pool of {@code policy.wasm.instances} threads, each lending one policy instance at a time (an instance
 * is not thread-safe). The pool's queue is bounded ({@code policy.wasm.max-pending-decisions}); a decision that finds
 * it full is refused with {@link PolicyUnavailableException}, which denies — a saturated engine fails closed quickly
 * instead of queueing without bound.
 *
 * <p><b>Reload.</b> The bundle is checked every {@code policy.wasm.reload-interval}; a changed one is loaded and all
 * its instances built on the reload thread while the current generation keeps answering, then swapped in with one
 * atomic write. A new bundle that does not load (unreadable, a builtin the engine lacks, no such entrypoint) is
 * logged at WARN and the current one stays. Every decision carries the revision of the bundle's {@code .manifest}.
 */
public final class WasmPolicyEngine implements PolicyEngine {
    private static final Logger log = LoggerFactory.getLogger(WasmPolicyEngine.class);

    private final Path bundlePath;
    private final String entrypoint;
    private final int instances;
    private final ObjectMapper mapper;
    private final AtomicReference<Generation> current = new AtomicReference<>();
    private final ThreadPoolExecutor evaluators;
    private final ScheduledExecutorService reloader;
    private volatile String fingerprint;

    /** One loaded bundle and its idle instances. */
    private record Generation(String revision, BlockingQueue<WasmEvaluator> idle) {}

    /**
     * Loads the bundle and builds its instances before returning (seconds: each instance compiles the module to JVM
     * bytecode); fails with {@link IllegalArgumentException} when the bundle cannot serve.
     */
    public WasmPolicyEngine(ProxyConfig.Policy config, String decisionPath, ObjectMapper mapper) {
        this.bundlePath = config.wasmBundle();
        this.entrypoint = decisionPath;
        this.instances = config.wasmInstances();
        this.mapper = mapper;
        this.fingerprint = fingerprint(bundlePath);
        current.set(load());
        AtomicInteger names = new AtomicInteger();
        this.evaluators = new ThreadPoolExecutor(
                instances,
                instances,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, config.wasmMaxPending())),
                task -> {
                    Thread thread = new Thread(task, "mcpguard-policy-wasm-" + names.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                },
                new ThreadPoolExecutor.AbortPolicy());
        this.reloader = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "mcpguard-policy-wasm-reload");
            thread.setDaemon(true);
            return thread;
        });
        long every = config.wasmReloadInterval().toMillis();
        reloader.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
        log.atInfo()
                .addKeyValue("bundle", bundlePath)
                .addKeyValue("revision", current.get().revision())
                .addKeyValue("instances", instances)
                .log("Wasm policy engine ready");
    }

    @Override
    public CompletableFuture<Decision> decide(PolicyInput input) {
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(input.toJson());
        } catch (IOException e) {
            return CompletableFuture.failedFuture(
                    new PolicyUnavailableException("policy input could not be encoded", e));
        }
        try {
            return CompletableFuture.supplyAsync(() -> evaluate(body), evaluators);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new PolicyUnavailableException("policy engine is saturated"));
        }
    }

    /** The revision of the bundle that answers now, or null when its manifest names none. */
    public CompletableFuture<String> currentRevision() {
        return CompletableFuture.completedFuture(current.get().revision());
    }

    /**
     * Decides one input (the policy input as JSON, UTF-8) on the calling thread, with one of the current bundle's
     * instances. The engine's own pool calls this; so do benchmarks measuring one core. A caller beyond {@code
     * policy.wasm.instances} concurrent ones is refused rather than made to wait.
     */
    public Decision evaluate(byte[] input) {
        Generation generation = current.get();
        WasmEvaluator evaluator = generation.idle().poll();
        if (evaluator == null) {
            // Cannot happen from the pool (one instance per thread); a direct caller beyond that gets a refusal.
            throw new PolicyUnavailableException("policy engine is saturated");
        }
        String answer;
        try {
            answer = evaluator.evaluate(input);
        } catch (PolicyUnavailableException e) {
            generation.idle().offer(evaluator);
            throw e;
        } catch (RuntimeException e) {
            // A trap inside the module (a builtin refused its arguments, memory exhausted): the instance's state is
            // unknown, so it is replaced rather than reused.
            log.atWarn().addKeyValue("error", e.toString()).log("Wasm policy evaluation failed");
            replace(generation);
            throw new PolicyUnavailableException("the policy failed to evaluate this input");
        }
        generation.idle().offer(evaluator);
        return parse(answer, generation.revision());
    }

    private Decision parse(String answer, String revision) {
        JsonNode results;
        try {
            results = mapper.readTree(answer);
        } catch (IOException e) {
            throw new PolicyUnavailableException("policy engine answered malformed JSON");
        }
        JsonNode result =
                results.isArray() && results.size() == 1 ? results.get(0).get("result") : null;
        if (result == null) {
            throw new PolicyUnavailableException("policy decision is undefined (is the policy loaded?)");
        }
        return DecisionReader.read(result, null, revision);
    }

    private void replace(Generation generation) {
        try {
            generation.idle().offer(newEvaluator(WasmBundle.read(bundlePath)));
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("error", e.getMessage()).log("cannot rebuild a Wasm policy instance");
        }
    }

    private Generation load() {
        WasmBundle bundle = WasmBundle.read(bundlePath);
        BlockingQueue<WasmEvaluator> idle = new ArrayBlockingQueue<>(instances);
        for (int i = 0; i < instances; i++) {
            idle.add(newEvaluator(bundle));
        }
        return new Generation(bundle.revision(), idle);
    }

    private WasmEvaluator newEvaluator(WasmBundle bundle) {
        return new WasmEvaluator(bundle, entrypoint, 1024, () -> {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        });
    }

    /** Checks the bundle for a change; runs on the reload thread only. */
    void reloadIfChanged() {
        String seen = fingerprint(bundlePath);
        if (seen.equals(fingerprint)) {
            return;
        }
        try {
            Generation next = load();
            Generation previous = current.getAndSet(next);
            fingerprint = seen;
            log.atInfo()
                    .addKeyValue("from", previous.revision())
                    .addKeyValue("to", next.revision())
                    .log("Wasm policy bundle reloaded");
        } catch (RuntimeException e) {
            fingerprint = seen; // warn once per version of the file, not on every check
            log.atWarn()
                    .addKeyValue("bundle", bundlePath)
                    .addKeyValue("error", e.getMessage())
                    .log("new Wasm policy bundle refused; the current policy keeps answering");
        }
    }

    /** Size and modification time of the bundle's files: cheap, and enough to notice a rebuilt bundle. */
    private static String fingerprint(Path path) {
        List<String> parts = new ArrayList<>();
        List<Path> files = Files.isDirectory(path)
                ? List.of(path.resolve("policy.wasm"), path.resolve("data.json"), path.resolve(".manifest"))
                : List.of(path);
        for (Path file : files) {
            try {
                parts.add(
                        Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis());
            } catch (IOException e) {
                parts.add("-");
            }
        }
        return String.join(",", parts);
    }

    @Override
    public void close() {
        reloader.shutdownNow();
        evaluators.shutdownNow();
    }
}
