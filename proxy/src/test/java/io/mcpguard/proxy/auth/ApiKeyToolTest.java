package io.mcpguard.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key tool's output is a working key and a key file the proxy loads as it is, with only the key's hash. */
class ApiKeyToolTest {
    private static final Instant NOW = Instant.parse("2026-12-07T10:15:30.789Z");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ApiKeyTool.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                NOW);
    }

    private static ApiKeyStore store(Path file, Instant at) throws Exception {
        return new ApiKeyStore(file, Duration.ofMinutes(1), Clock.fixed(at, ZoneOffset.UTC));
    }

    @Test
    void the_printed_key_verifies_against_the_printed_file_for_ninety_days(@TempDir Path dir) throws Exception {
        assertThat(run("build-1", "svc-build", "builder,reader")).isZero();

        String key = out.toString(StandardCharsets.UTF_8).trim();
        String file = err.toString(StandardCharsets.UTF_8);
        assertThat(key).startsWith("mcpg_build-1_");
        assertThat(file).doesNotContain(key.substring("mcpg_build-1_".length()));
        assertThat(file)
                .contains("    created: 2026-12-07T10:15:30Z\n")
                .contains("    expires: 2027-03-07T10:15:30Z\n");
        Path keys = dir.resolve("keys.yaml");
        Files.writeString(keys, file);

        try (ApiKeyStore store = store(keys, NOW.plus(Duration.ofDays(90)).minusSeconds(2))) {
            Identity identity = store.verify(key);
            assertThat(identity.subject().id()).isEqualTo("svc-build");
            assertThat(identity.subject().roles()).containsExactly("builder", "reader");
            assertThat(identity.scopes()).isEmpty();
        }
        try (ApiKeyStore store = store(keys, NOW.plus(Duration.ofDays(90)))) {
            assertThatThrownBy(() -> store.verify(key)).isInstanceOf(AuthenticationFailure.class);
        }
    }

    @Test
    void without_roles_the_key_has_none(@TempDir Path dir) throws Exception {
        assertThat(run("k2", "svc-read")).isZero();
        Path keys = dir.resolve("keys.yaml");
        Files.writeString(keys, err.toString(StandardCharsets.UTF_8));

        try (ApiKeyStore store = store(keys, NOW)) {
            Identity identity =
                    store.verify(out.toString(StandardCharsets.UTF_8).trim());
            assertThat(identity.subject().id()).isEqualTo("svc-read");
            assertThat(identity.subject().roles()).isEmpty();
        }
    }

    @Test
    void too_few_arguments_print_the_usage_and_no_key() {
        assertThat(run("only-an-id")).isEqualTo(2);

        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("usage: ApiKeyTool <id> <owner>");
    }

    @Test
    void run_from_the_command_line_the_key_goes_to_stdout_and_the_file_to_stderr() {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            ApiKeyTool.main(new String[] {"cli-1", "svc-cli"}); // status 0: returns, never exits the JVM
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }

        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("mcpg_cli-1_");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("  - id: cli-1\n", "    owner: svc-cli\n");
    }
}
