package io.mcpguard.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool directory is taken whole by one proxy, and a directory that cannot serve stops the start, named. */
class SpoolDirectoryTest {

    @Test
    void a_second_proxy_on_the_same_spool_is_refused_until_the_first_lets_go(@TempDir Path dir) throws Exception {
        Path spool = dir.resolve("spool");
        FileLock first = SpanSpool.lock(spool);

        assertThatThrownBy(() -> SpanSpool.lock(spool))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("audit.spool-dir " + spool + " is in use by another proxy");

        first.release();
        first.channel().close();
        FileLock second = SpanSpool.lock(spool);
        assertThat(second.isValid()).isTrue();
        second.channel().close();
    }

    @Test
    void a_spool_dir_that_cannot_be_created_names_the_key_and_the_way_out(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");

        assertThatThrownBy(() -> SpanSpool.lock(file.resolve("spool")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("audit.spool-dir " + file.resolve("spool") + " cannot be created")
                .hasMessageContaining("audit.spool-dir to a writable directory");
    }
}
