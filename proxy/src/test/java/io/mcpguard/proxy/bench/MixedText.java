package io.mcpguard.proxy.bench;

import io.mcpguard.proxy.mask.SensitiveDataScanner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Realistic answer text for the masking benchmark, built from this repository: Java sources (file reads), unified
 * diffs made from them (pull-request diffs), and the sandbox's JSON seed (listings, PR descriptions, comments) —
 * with the sandbox's files that carry planted secrets and personal data mixed in, or with every line that holds a
 * finding removed.
 */
public final class MixedText {
    private MixedText() {}

    /** {@code size} characters of mixed text; {@code withFindings} false guarantees the scanner finds nothing. */
    public static String of(Path repo, int size, boolean withFindings, SensitiveDataScanner scanner) {
        List<String> parts = new ArrayList<>();
        List<Path> sources = files(repo.resolve("proxy/src/main/java"), ".java");
        for (int i = 0; i < sources.size(); i++) {
            String source = read(sources.get(i));
            parts.add(i % 3 == 2 ? asDiff(sources.get(i).getFileName().toString(), source) : source);
            if (i % 4 == 0) {
                parts.add(read(repo.resolve("bitbucket-sandbox/src/main/resources/seed/seed.json")));
            }
            if (withFindings && i % 5 == 0) {
                for (Path planted : files(repo.resolve("bitbucket-sandbox/src/main/resources/seed/files"), "")) {
                    parts.add(read(planted));
                }
            }
        }
        StringBuilder all = new StringBuilder(size + 4096);
        while (all.length() < size) {
            for (String part : parts) {
                all.append(withFindings ? part : withoutFindings(part, scanner)).append('\n');
                if (all.length() >= size) {
                    break;
                }
            }
        }
        all.setLength(size);
        if (!withFindings && !scanner.scan(all.toString()).isEmpty()) {
            all.setLength(size - 64); // a cut made a new token; trim until clean
            return withoutFindings(all.toString(), scanner) + " ".repeat(size - all.length());
        }
        return all.toString();
    }

    private static String withoutFindings(String text, SensitiveDataScanner scanner) {
        StringBuilder clean = new StringBuilder(text.length());
        for (String line : text.split("\n", -1)) {
            if (scanner.scan(line).isEmpty()) {
                clean.append(line).append('\n');
            }
        }
        return clean.toString();
    }

    /** The file as a unified diff that changes a few lines, the shape of a PR diff. */
    private static String asDiff(String name, String source) {
        StringBuilder diff = new StringBuilder("diff --git a/src/" + name + " b/src/" + name + "\n");
        diff.append("--- a/src/")
                .append(name)
                .append("\n+++ b/src/")
                .append(name)
                .append('\n');
        String[] lines = source.split("\n");
        diff.append("@@ -1,")
                .append(lines.length)
                .append(" +1,")
                .append(lines.length)
                .append(" @@\n");
        for (int i = 0; i < lines.length; i++) {
            diff.append(i % 17 == 0 ? "-" : i % 17 == 1 ? "+" : " ")
                    .append(lines[i])
                    .append('\n');
        }
        return diff.toString();
    }

    private static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(suffix))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
