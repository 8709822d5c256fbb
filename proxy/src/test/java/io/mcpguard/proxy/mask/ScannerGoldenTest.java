package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Pins the scanner's exact findings on two large generated texts (a megabyte of corpus positives, near misses and
 * code-like filler glued together at random, once pure Latin-1 and once with UTF-16-only characters such as
 * {@code —}, {@code €}, an emoji, U+3000 and U+2028 next to the secrets). The pinned lists were written by the scanner
 * as it was before its loops moved from {@code String.charAt} to a shared {@code char[]}; any speed work on the
 * scanner must keep them identical, position for position.
 *
 * <p>Regenerate (only from a scanner you trust) with {@code -Dmask.golden.write=true}.
 */
class ScannerGoldenTest {
    private static final int SIZE = 1_100_000; // past 1 MiB, the largest size the benchmark measures
    private static final String[] WIDE = {"—", "→", "€", "😀", "\u3000", "\u2028", "\u212A", "İ", "Ω", "“", "”", "…"};
    private static final String[] FILLER = {
        "public",
        "static",
        "final",
        "String",
        "return",
        "int",
        "i",
        "=",
        "0;",
        "if",
        "(",
        ")",
        "{",
        "}",
        ":",
        "a=b",
        "key:",
        "value",
        "x.y.z",
        "URL",
        "AB12",
        "DE",
        "GB",
        "10.",
        "172.",
        "192.168.",
        "@",
        "://",
        "user@",
        "eyJ",
        "AKIA",
        "ghp_",
        "xoxb-",
        "-----BEGIN ",
        "PRIVATE KEY-----",
        "+1",
        "(555)",
        "555-",
        "2026-11-24",
        "1.2.3",
        "4111",
        "0000",
        "secret",
        "token",
        "password",
        "\"",
        "'",
        "`",
        ",",
        ";",
        "\t",
        "  ",
        "\n",
        "\r\n",
        "é",
        "ß",
        "µ",
        "\u00a0",
        "dev.internal",
        "db.intranet",
        ".internal",
        "==",
        "${X}",
        "null",
        "*****",
        "0x7f",
    };

    private final SensitiveDataScanner scanner =
            SensitiveDataScanner.withDefaults(ClassifierCorpusTest.INTERNAL_DOMAINS);

    @Test
    void latin1_text_gives_exactly_the_pinned_findings() throws Exception {
        check("latin1", text(11, false));
    }

    @Test
    void utf16_text_gives_exactly_the_pinned_findings() throws Exception {
        check("utf16", text(12, true));
    }

    private void check(String name, String text) throws Exception {
        List<String> actual = new ArrayList<>();
        actual.add("# sha256 " + sha256(text) + " length " + text.length());
        for (Finding f : scanner.scan(text)) {
            actual.add(f.start() + "\t" + f.end() + "\t" + f.classifier() + "\t" + f.dataClass());
        }
        String resource = "mask-golden/" + name + ".tsv";
        if (Boolean.getBoolean("mask.golden.write")) {
            Path file = Path.of("src/test/resources", resource);
            Files.createDirectories(file.getParent());
            Files.write(file, actual, StandardCharsets.UTF_8);
            return;
        }
        List<String> pinned;
        try (InputStream in = getClass().getResourceAsStream("/" + resource)) {
            assertThat(in).as(resource).isNotNull();
            pinned = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
        }
        assertThat(actual.get(0))
                .as("the generated input itself (corpus or generator changed?)")
                .isEqualTo(pinned.get(0));
        assertThat(actual.size()).as("findings in a megabyte of mixed text").isGreaterThan(1000);
        assertThat(actual).containsExactlyElementsOf(pinned);
    }

    /** Corpus lines and filler tokens in random order, glued with nothing, blanks, newlines or (wide) odd characters. */
    static String text(long seed, boolean wide) throws IOException {
        List<String> positives = new ArrayList<>();
        for (String line : ClassifierCorpusTest.lines("positives.tsv")) {
            positives.add(ClassifierCorpusTest.unescape(line.split("\t", 2)[1]));
        }
        List<String> negatives = new ArrayList<>();
        for (String line : ClassifierCorpusTest.lines("negatives.txt")) {
            negatives.add(ClassifierCorpusTest.unescape(line));
        }
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder(SIZE + 1024);
        while (text.length() < SIZE) {
            int pick = random.nextInt(10);
            if (pick == 0) {
                text.append(positives.get(random.nextInt(positives.size())));
            } else if (pick <= 2) {
                text.append(negatives.get(random.nextInt(negatives.size())));
            } else {
                text.append(FILLER[random.nextInt(FILLER.length)]);
            }
            int glue = random.nextInt(wide ? 6 : 5);
            switch (glue) {
                case 0 -> {} // nothing: the next piece touches this one
                case 1, 2 -> text.append(' ');
                case 3 -> text.append('\n');
                case 4 -> text.append(random.nextBoolean() ? ", " : "=");
                default -> text.append(WIDE[random.nextInt(WIDE.length)]);
            }
        }
        text.setLength(SIZE);
        String result = text.toString();
        if (!wide) {
            assertThat(result.chars().allMatch(c -> c < 256)).as("latin1 text").isTrue();
        }
        return result;
    }

    private static String sha256(String text) throws NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
