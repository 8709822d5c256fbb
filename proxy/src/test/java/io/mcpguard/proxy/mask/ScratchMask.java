package io.mcpguard.proxy.mask;

import io.mcpguard.proxy.bench.MixedText;
import io.mcpguard.proxy.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.util.List;

public final class ScratchMask {
    public static void main(String[] args) {
        SensitiveDataScanner scanner = SensitiveDataScanner.withDefaults(List.of("internal"));
        TextMasker masker =
                new TextMasker(scanner, "benchmark-only-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        MaskRule rule = MaskRule.all(MaskStyle.REDACT);
        for (boolean f : new boolean[] {true, false}) {
            String text = MixedText.of(Tools.repo(), Integer.getInteger("size", 65536), f, scanner);
            for (int round = 0; round < Integer.getInteger("rounds", 4); round++) {
                long best = Long.MAX_VALUE, total = 0;
                long bestScan = Long.MAX_VALUE;
                int n = Integer.getInteger("n", 1000);
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    masker.mask(text, rule, new MaskCounts());
                    long t1 = System.nanoTime();
                    scanner.scan(text);
                    long t2 = System.nanoTime();
                    best = Math.min(best, t1 - t0);
                    bestScan = Math.min(bestScan, t2 - t1);
                    total += t1 - t0;
                }
                System.out.printf(
                        "findings=%s mask best %.1f us avg %.1f us; scan best %.1f us; findings %d%n",
                        f,
                        best / 1e3,
                        total / 1e3 / n,
                        bestScan / 1e3,
                        scanner.scan(text).size());
            }
        }
    }
}
