package io.mcpguard.proxy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.WasmPolicyEngine;
import io.mcpguard.proxy.testing.Tools;
import io.mcpguard.proxy.testing.WasmBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Decisions per second on one core by {@link WasmPolicyEngine} on the repository's policies (compiled from the working
 * tree at setup), every input distinct: the shared examples with a different subject id and repository on each call,
 * as traffic with different arguments brings (what the decision cache cannot absorb). Run with {@code
 * scripts/bench-decisions-wasm.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WasmDecisionBenchmark {
    private static final int DISTINCT = 4096;
    private final ObjectMapper json = new ObjectMapper();
    private WasmPolicyEngine engine;
    private byte[][] inputs;
    private int next;
    private Path dir;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("wasm-bench-");
        Path bundle = WasmBundles.buildRepoPolicies(dir);
        engine = new WasmPolicyEngine(
                new ProxyConfig.Policy(ProxyConfig.Policy.Engine.WASM, bundle, Duration.ofHours(1), 1, 16),
                "mcp/authz/decision",
                json);
        List<JsonNode> examples = new ArrayList<>();
        try (Stream<Path> files = Files.list(Tools.repo().resolve("policies/examples"))) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                if (file.toString().endsWith(".jsonc")) {
                    examples.add(json.readTree(file.toFile()).get("input"));
                }
            }
        }
        inputs = new byte[DISTINCT][];
        for (int i = 0; i < DISTINCT; i++) {
            ObjectNode input = (ObjectNode) examples.get(i % examples.size()).deepCopy();
            ((ObjectNode) input.get("subject")).put("id", "user-" + i);
            JsonNode arguments = input.at("/request/arguments");
            if (arguments.isObject() && arguments.has("repo")) {
                ((ObjectNode) arguments).put("repo", "repo-" + i);
            }
            inputs[i] = json.writeValueAsBytes(input);
        }
    }

    @Benchmark
    public Decision decide() {
        return engine.evaluate(inputs[next++ & (DISTINCT - 1)]);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
    }
}
