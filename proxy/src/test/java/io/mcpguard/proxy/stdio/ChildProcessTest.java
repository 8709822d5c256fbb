package io.mcpguard.proxy.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.config.Secret;
import io.mcpguard.proxy.config.StdioServer;
import io.mcpguard.proxy.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Launching and stopping real child processes: the escalation of a stop, and the bound on stderr. */
class ChildProcessTest {

    private static StdioServer shell(String script) {
        return new StdioServer(
                List.of("sh", "-c", script),
                null,
                Map.of("PATH", new Secret(System.getenv("PATH"))),
                false,
                1,
                Duration.ofMinutes(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                Duration.ofMillis(200),
                1024,
                4);
    }

    private static ChildProcess start(StdioServer config, CompletableFuture<Integer> exit) throws Exception {
        return ChildProcess.start(config, "test", frame -> {}, exit::complete, line -> line);
    }

    @Test
    void a_child_that_ignores_its_closed_stdin_and_sigterm_is_killed_within_the_bound() throws Exception {
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        // SIGTERM ignored (inherited through exec), stdin never read: only SIGKILL ends it.
        ChildProcess child = start(shell("trap '' TERM; exec sleep 60"), exit);
        long pid = child.pid();

        child.stop(Duration.ofMillis(200));

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                .isFalse();
        assertThat(child.stopping()).isTrue();
        assertThat(child.send("{}")).as("a stopping child takes no input").isFalse();
        assertThat(exit.get(5, TimeUnit.SECONDS)).as("killed, not exited").isNotZero();
    }

    @Test
    void a_child_that_exits_on_sigterm_is_stopped_by_it() throws Exception {
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        ChildProcess child = start(shell("exec sleep 60"), exit);

        child.stop(Duration.ofMillis(100));

        assertThat(child.alive()).isFalse();
        assertThat(exit.get(5, TimeUnit.SECONDS)).isEqualTo(143); // 128 + SIGTERM
    }

    @Test
    void a_stderr_flood_is_cut_to_the_bound_and_the_rest_counted() throws Exception {
        try (LogCapture logs = new LogCapture("io.mcpguard.proxy.stdio")) {
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            start(shell("i=0; while [ $i -lt 1000 ]; do echo \"line $i\" >&2; i=$((i+1)); done"), exit);
            assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();

            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (logs.lines().stream().noneMatch(l -> l.text().contains("stdio.stderr_dropped"))
                    && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            long logged = logs.lines().stream()
                    .filter(l -> l.text().contains("event.name=stdio.stderr "))
                    .count();
            assertThat(logged).isGreaterThanOrEqualTo(200L).isLessThan(1000L);
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l.text()).contains("stdio.stderr_dropped"));
        }
    }
}
