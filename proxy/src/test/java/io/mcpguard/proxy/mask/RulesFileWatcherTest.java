package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Reloading on the real file system: an edit in place and a replacement by rename are picked up; a file that no
 * longer loads keeps the rules in use and logs a WARN that names the rule at fault.
 */
class RulesFileWatcherTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30); // generous: the machine may be busy

    @Test
    void edits_are_picked_up_and_a_broken_edit_keeps_the_previous_rules(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rules.toml");
        Files.writeString(file, rule("alpha"));
        PatternRuleClassifier rules = new PatternRuleClassifier(RulesFile.load(file));
        Logger logger = (Logger) LoggerFactory.getLogger(RulesFileWatcher.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (RulesFileWatcher watcher = new RulesFileWatcher(file, rules, Duration.ofMillis(200))) {
            assertThat(finds(rules, "alpha")).isTrue();
            assertThat(finds(rules, "beta")).isFalse();

            Files.writeString(file, rule("beta"));
            await("the edited file is loaded", () -> finds(rules, "beta"));
            assertThat(finds(rules, "alpha")).isFalse();

            Files.writeString(file, rule("beta") + "[[rules]]\nid = \"gamma\"\nregex = '''(?<=x)y'''\n");
            await(
                    "a WARN naming the rule that does not load",
                    () -> List.copyOf(logged.list).stream()
                            .anyMatch(e -> e.getLevel() == Level.WARN
                                    && e.getKeyValuePairs() != null
                                    && e.getKeyValuePairs().stream()
                                            .anyMatch(kv ->
                                                    String.valueOf(kv.value).contains("rule 'gamma'"))));
            assertThat(finds(rules, "beta")).as("the previous rules stay").isTrue();

            Path next = dir.resolve("rules.toml.tmp");
            Files.writeString(next, rule("delta"));
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            await("a file replaced by rename is loaded", () -> finds(rules, "delta"));
        } finally {
            logger.detachAppender(logged);
        }
    }

    private static String rule(String name) {
        return "[[rules]]\nid = \"" + name + "\"\nregex = '''\\b" + name + "-[0-9]{6}\\b'''\nkeywords = [\"" + name
                + "-\"]\n";
    }

    private static boolean finds(PatternRuleClassifier rules, String name) {
        String text = "ticket " + name + "-123456 closed";
        List<Finding> out = new ArrayList<>();
        rules.scan(text, text.toCharArray(), out);
        return out.stream().anyMatch(f -> f.classifier().equals(name));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PATIENCE + ": " + what);
            }
            Thread.sleep(50);
        }
    }
}
