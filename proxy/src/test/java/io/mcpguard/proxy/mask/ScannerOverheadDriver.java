package io.mcpguard.proxy.mask;

import io.mcpguard.proxy.bench.MixedText;
import io.mcpguard.proxy.testing.Tools;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The cost of this branch's classifiers on a shared, noisy machine, where JMH's absolute figures swing by a factor of
 * ten: the scanner with every classifier and the project's rules, and the scanner with only the classifiers that
 * existed before the rules file, key bodies and IPv6 were added, timed alternately in one JVM on the benchmark's
 * text. The best of many rounds is what each costs without interference; their ratio is the overhead.
 *
 * <p>Run: {@code ./mvnw -q -pl proxy exec:exec -Dexec.executable=java -Dexec.classpathScope=test
 * -Dexec.args="-cp %classpath io.mcpguard.proxy.mask.ScannerOverheadDriver"}
 */
public final class ScannerOverheadDriver {
    private ScannerOverheadDriver() {}

    public static void main(String[] args) {
        int rounds = Integer.getInteger("rounds", 300);
        SensitiveDataScanner full = SensitiveDataScanner.withDefaults(List.of("internal"));
        SensitiveDataScanner before = legacy();
        if (Boolean.getBoolean("perClassifier")) {
            for (int size : new int[] {65536, 1048576}) {
                System.out.printf("%d characters, best of %d rounds%n", size, size > 65536 ? 200 : 2000);
                perClassifier(full, MixedText.of(Tools.repo(), size, true, before), size > 65536 ? 200 : 2000);
            }
            return;
        }
        System.out.printf(
                "%-9s %-8s %12s %12s %12s %12s %9s%n",
                "size", "findings", "before best", "after best", "before p50", "after p50", "overhead");
        for (int size : new int[] {65536, 1048576}) {
            for (boolean findings : new boolean[] {true, false}) {
                String text = MixedText.of(Tools.repo(), size, findings, before);
                int n = size >= 1 << 20 ? rounds / 4 : rounds;
                long[] a = new long[n];
                long[] b = new long[n];
                for (int warm = 0; warm < n / 2; warm++) {
                    before.scan(text);
                    full.scan(text);
                }
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    before.scan(text);
                    long t1 = System.nanoTime();
                    full.scan(text);
                    long t2 = System.nanoTime();
                    a[i] = t1 - t0;
                    b[i] = t2 - t1;
                }
                Arrays.sort(a);
                Arrays.sort(b);
                System.out.printf(
                        "%-9d %-8s %9.1f MB/s %9.1f MB/s %9.1f MB/s %9.1f MB/s %8.1f%%%n",
                        size,
                        findings ? "planted" : "none",
                        mbps(size, a[0]),
                        mbps(size, b[0]),
                        mbps(size, a[n / 2]),
                        mbps(size, b[n / 2]),
                        100.0 * (b[0] - a[0]) / a[0]);
            }
        }
    }

    /** Each classifier alone on {@code text}: where the time goes. */
    static void perClassifier(SensitiveDataScanner scanner, String text, int rounds) {
        char[] chars = text.toCharArray();
        long total = 0;
        for (Classifier c : scanner.classifiers()) {
            long best = Long.MAX_VALUE;
            for (int i = 0; i < rounds; i++) {
                List<Finding> out = new ArrayList<>();
                long t0 = System.nanoTime();
                c.scan(text, chars, out);
                best = Math.min(best, System.nanoTime() - t0);
            }
            total += best;
            System.out.printf(
                    "  %-32s %8.1f us %8.0f MB/s%n",
                    c.getClass().getSimpleName(), best / 1e3, mbps(text.length(), best));
        }
        System.out.printf("  %-32s %8.1f us %8.0f MB/s%n", "sum", total / 1e3, mbps(text.length(), total));
        long best = Long.MAX_VALUE;
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            scanner.scan(text);
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf("  %-32s %8.1f us %8.0f MB/s%n", "whole scan", best / 1e3, mbps(text.length(), best));
    }

    private static double mbps(int size, long nanos) {
        return size / (nanos / 1e9) / 1e6;
    }

    /** The classifiers of the scanner before this change (main at 087b940), in the same order. */
    private static SensitiveDataScanner legacy() {
        SensitiveDataScanner full = SensitiveDataScanner.withDefaults(List.of("internal"));
        List<Classifier> kept = new ArrayList<>();
        for (Classifier c : full.classifiers()) {
            if (!(c instanceof PemBodyClassifier
                    || c instanceof PrivateIpv6Classifier
                    || c instanceof PatternRuleClassifier)) {
                kept.add(c);
            }
        }
        return new SensitiveDataScanner(kept);
    }
}
