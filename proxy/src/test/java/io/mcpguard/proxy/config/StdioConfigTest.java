package io.mcpguard.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StdioConfigTest {

    private static ProxyConfig parse(String stdio, Map<String, String> env) {
        return ProxyConfig.parse("upstream:\n  stdio:\n" + stdio.indent(4), env);
    }

    @Test
    void no_stdio_section_means_an_http_upstream() {
        assertThat(ProxyConfig.parse("", Map.of()).stdio()).isNull();
    }

    @Test
    void a_full_section_is_read_with_the_passed_variables_from_the_proxys_environment() {
        StdioServer stdio = parse(
                        """
                command: [node, server.js, --port-less]
                mode: per-subject
                env:
                  pass: [PATH, GITHUB_TOKEN]
                  set: {LOG_LEVEL: debug, REGION: eu}
                max-processes: 4
                idle-timeout: 2m
                restart-backoff: 200ms
                restart-backoff-max: 5s
                max-line-bytes: 64KiB
                """, Map.of("PATH", "/usr/bin", "GITHUB_TOKEN", "ghp_notarealtokenbutlongenough", "OTHER", "x"))
                .stdio();

        assertThat(stdio.command()).containsExactly("node", "server.js", "--port-less");
        assertThat(stdio.perSubject()).isTrue();
        assertThat(stdio.environment()).containsOnlyKeys("PATH", "GITHUB_TOKEN", "LOG_LEVEL", "REGION");
        assertThat(stdio.environment().get("GITHUB_TOKEN").reveal()).isEqualTo("ghp_notarealtokenbutlongenough");
        assertThat(stdio.environment().get("LOG_LEVEL").reveal()).isEqualTo("debug");
        assertThat(stdio.maxProcesses()).isEqualTo(4);
        assertThat(stdio.idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(stdio.restartBackoff()).isEqualTo(Duration.ofMillis(200));
        assertThat(stdio.maxLineBytes()).isEqualTo(64 * 1024);
        assertThat(stdio.toString()).doesNotContain("ghp_notarealtokenbutlongenough");
    }

    @Test
    void defaults_are_shared_mode_and_the_rewrite_bound_for_lines() {
        StdioServer stdio = parse("command: [server]", Map.of()).stdio();

        assertThat(stdio.perSubject()).isFalse();
        assertThat(stdio.environment()).isEmpty();
        assertThat(stdio.maxLineBytes()).isEqualTo(4 * 1024 * 1024);
    }

    @Test
    void a_secret_on_the_command_line_is_refused_without_echoing_it() {
        for (List<String> argv : List.of(
                List.of("server", "--token=s3cr3t-value"),
                List.of("server", "--api-key", "plainvalue"),
                List.of("server", "--password", "hunter2"),
                List.of("server", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
                List.of("server", "--db", "postgres://app:hunter2@db.internal/app"),
                List.of("server", "AKIAABCDEFGHIJKLMNOP"))) {
            String yaml = "command: ["
                    + String.join(", ", argv.stream().map(a -> "\"" + a + "\"").toList()) + "]";
            assertThatThrownBy(() -> parse(yaml, Map.of()), argv.toString())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("'upstream.stdio.command': argument")
                    .hasMessageContaining("looks like a secret")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(argv.get(argv.size() - 1)));
        }
    }

    @Test
    void ordinary_arguments_pass() {
        StdioServer stdio = parse(
                        "command: [java, -cp, /opt/app.jar, io.example.Main, --stdio, --auth-mode, none]", Map.of())
                .stdio();

        assertThat(stdio.command()).hasSize(7);
    }

    @Test
    void an_explicit_value_that_is_a_secret_must_come_through_env_pass() {
        assertThatThrownBy(() -> parse("command: [s]\nenv:\n  set: {API_TOKEN: abc}", Map.of()))
                .hasMessageContaining("'upstream.stdio.env.set.API_TOKEN': looks like a secret")
                .hasMessageContaining("upstream.stdio.env.pass")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("abc"));
        assertThatThrownBy(() -> parse("command: [s]\nenv:\n  set: {URL: \"https://u:p4ssw0rd@host/x\"}", Map.of()))
                .hasMessageContaining("'upstream.stdio.env.set.URL': looks like a secret");
    }

    @Test
    void a_passed_variable_the_proxy_does_not_have_and_other_mistakes_are_named() {
        assertThatThrownBy(() -> parse("""
                        command: [s]
                        mode: pooled
                        env:
                          pass: [MISSING_VAR, "bad name"]
                        restart-backoff: 10s
                        restart-backoff-max: 1s
                        working-dir: /no/such/dir
                        """, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'upstream.stdio.mode': expected shared or per-subject, got 'pooled'")
                .hasMessageContaining("the proxy's environment has no variable MISSING_VAR")
                .hasMessageContaining("'bad name' is no variable name")
                .hasMessageContaining("'upstream.stdio.restart-backoff' must not exceed")
                .hasMessageContaining("'upstream.stdio.working-dir': not a directory");
    }

    @Test
    void settings_without_a_command_and_unknown_keys_are_errors() {
        assertThatThrownBy(() -> parse("env:\n  pass: [PATH]", Map.of("PATH", "/bin")))
                .hasMessageContaining("'upstream.stdio.command': the stdio section needs a command");
        assertThatThrownBy(() -> parse("command: [s]\nrestart: always", Map.of()))
                .hasMessageContaining("unknown config key 'upstream.stdio.restart'");
    }
}
