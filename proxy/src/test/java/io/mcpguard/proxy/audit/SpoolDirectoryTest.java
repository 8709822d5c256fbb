package io.mcpguard.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool directory is taken whole by one proxy, and a directory that cannot serve stops the start, named. */
class SpoolDirectoryTest {

    @Test
    void a_second_proxy_on_the_same_spool_is_refused_until_the_first_lets_go(@TempDir Path dir) throws Exception {
        Path spool = dir.resolve("spool");
        SpoolDirectory first = SpoolDirectory.open(spool, 1 << 20);

        assertThatThrownBy(() -> SpoolDirectory.open(spool, 1 << 20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("audit.spool-dir " + spool + " is in use by another proxy");

        first.close();
        try (SpoolDirectory second = SpoolDirectory.open(spool, 1 << 20)) {
            assertThat(second.spans()).isDirectory();
            assertThat(second.metrics()).isDirectory();
        }
    }

    @Test
    void metrics_get_an_eighth_of_the_bound_at_most_32_mib_and_spans_the_rest(@TempDir Path dir) {
        try (SpoolDirectory small = SpoolDirectory.open(dir.resolve("a"), 64L << 20);
                SpoolDirectory large = SpoolDirectory.open(dir.resolve("b"), 1L << 30)) {
            assertThat(small.metricsMaxBytes()).isEqualTo(8L << 20);
            assertThat(small.spansMaxBytes()).isEqualTo(56L << 20);
            assertThat(large.metricsMaxBytes()).isEqualTo(32L << 20);
        }
    }

    @Test
    void a_spool_dir_that_cannot_be_created_names_the_key_and_the_way_out(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");

        assertThatThrownBy(() -> SpoolDirectory.open(file.resolve("spool"), 1 << 20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("audit.spool-dir " + file.resolve("spool") + " cannot be created")
                .hasMessageContaining("audit.spool-dir to a writable directory");
    }
}
