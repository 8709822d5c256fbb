package io.mcpguard.proxy.bench;

import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.mask.MaskRule;
import io.mcpguard.proxy.mask.MaskStyle;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The masking engine on one core: every classifier over realistic mixed text (sources, diffs, JSON listings),
 * with planted findings masked, or with none to find. Run with {@code scripts/bench-masking.sh}, which prints MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MaskingBenchmark {
    @Param({"4096", "65536", "1048576"})
    public int size;

    @Param({"true", "false"})
    public boolean withFindings;

    private TextMasker masker;
    private MaskRule rule;
    private String text;

    @Setup
    public void setUp() {
        SensitiveDataScanner scanner = SensitiveDataScanner.withDefaults(List.of("internal"));
        masker = new TextMasker(scanner, "benchmark-only-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        rule = MaskRule.all(MaskStyle.REDACT);
        text = MixedText.of(Tools.repo(), size, withFindings, scanner);
    }

    @Benchmark
    public String mask() {
        return masker.mask(text, rule, new MaskCounts());
    }
}
