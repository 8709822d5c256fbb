package io.mcpguard.proxy.bench;

import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs {@link WasmDecisionBenchmark} and prints decisions per second on one core. */
public final class WasmDecisionBenchmarkMain {
    private WasmDecisionBenchmarkMain() {}

    public static void main(String[] args) throws Exception {
        Options options = new OptionsBuilder()
                .include(WasmDecisionBenchmark.class.getName())
                .forks(1)
                .threads(1)
                .warmupIterations(Integer.getInteger("warmups", 8))
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(Integer.getInteger("iterations", 5))
                .measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend(
                        "-Dmcpguard.repo=" + System.getProperty("mcpguard.repo", "."),
                        "-XX:" + System.getProperty("hugeMethods", "-DontCompileHugeMethods"))
                // -Djvm.extra="-XX:StartFlightRecording=filename=/tmp/wasm.jfr" profiles the forked JVM
                .jvmArgsAppend(System.getProperty("jvm.extra", "-Dunused=").split(" "))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        System.out.printf("%nWasm policy engine, one thread, repository policy, %s%n", "distinct inputs");
        for (RunResult result : results) {
            System.out.printf(
                    "decisions/s per core: %.0f ± %.0f (%.1f µs per decision)%n",
                    result.getPrimaryResult().getScore(),
                    result.getPrimaryResult().getScoreError(),
                    1_000_000.0 / result.getPrimaryResult().getScore());
        }
    }
}
