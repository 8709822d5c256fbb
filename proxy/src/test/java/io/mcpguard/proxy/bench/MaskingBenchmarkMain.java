package io.mcpguard.proxy.bench;

import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs {@link MaskingBenchmark} and prints its throughput as MB/s on one core, by answer size. */
public final class MaskingBenchmarkMain {
    private MaskingBenchmarkMain() {}

    public static void main(String[] args) throws Exception {
        Options options = new OptionsBuilder()
                .include(MaskingBenchmark.class.getName())
                .forks(1)
                .threads(1)
                .warmupIterations(Integer.getInteger("warmups", 6))
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(Integer.getInteger("iterations", 5))
                .measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend("-Dmcpguard.repo=" + System.getProperty("mcpguard.repo", "."))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        System.out.printf("%nmasking engine, one thread, all classifiers, REDACT%n");
        System.out.printf("%-10s %-14s %14s %12s %10s%n", "size", "findings", "ops/s", "MB/s", "± MB/s");
        for (RunResult result : results) {
            int size = Integer.parseInt(result.getParams().getParam("size"));
            String findings = result.getParams().getParam("withFindings").equals("true") ? "planted" : "none";
            double ops = result.getPrimaryResult().getScore();
            double error = result.getPrimaryResult().getScoreError();
            double mb = ops * size / 1_000_000.0;
            System.out.printf(
                    "%-10d %-14s %14.1f %12.1f %10.1f%n", size, findings, ops, mb, error * size / 1_000_000.0);
        }
    }
}
