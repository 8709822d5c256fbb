package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.RawMcp;
import io.mcpguard.proxy.testing.StdioProxy;
import io.mcpguard.proxy.testing.TestSubjects;
import io.mcpguard.proxy.testing.Tools;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The life of the children the proxy launches: a killed child is restarted after its backoff, with a clear
 * upstream-unavailable error meanwhile; per-subject mode gives each subject its own child and lets an idle one go;
 * closing the proxy ends its children. The stdio server is {@code server-everything} from npm.
 */
class StdioSupervisionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ECHO = """
            {"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"message":"%s"}}}""";

    @TempDir
    static Path policies;

    private static OpaProcess opa;
    private static Path everything;

    @BeforeAll
    static void start() throws IOException {
        everything = Tools.tool("everything");
        opa = StdioServerEverythingTest.startOpaKnowing(policies, "echo");
    }

    @AfterAll
    static void stop() {
        if (opa != null) opa.close();
    }

    private static StdioProxy proxy(String extra) {
        return new StdioProxy(
                opa.url(),
                """
                command: %s
                env:
                  pass: [PATH]
                %s
                """.formatted(StdioProxy.yamlList(List.of(everything.toString(), "stdio")), extra),
                Map.of("PATH", System.getenv("PATH")),
                StdioProxy.BY_HEADER);
    }

    private static Set<Long> children() {
        return StdioProxy.children(everything.toString()).stream()
                .map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    private static HttpResponse<String> echo(StdioProxy proxy, String subject, int id, String message)
            throws IOException, InterruptedException {
        HttpRequest.Builder request =
                RawMcp.request(proxy.mcpUrl()).POST(HttpRequest.BodyPublishers.ofString(ECHO.formatted(id, message)));
        if (subject != null) {
            request.header(StdioProxy.TEST_SUBJECT, subject);
        }
        return RawMcp.send(request);
    }

    private static int readyz(StdioProxy proxy) throws IOException, InterruptedException {
        String base = proxy.mcpUrl().substring(0, proxy.mcpUrl().length() - "/mcp".length());
        return RawMcp.send(RawMcp.request(base + "/readyz").GET()).statusCode();
    }

    private static String echoed(HttpResponse<String> answer) throws IOException {
        return JSON.readTree(answer.body()).at("/result/content/0/text").asText();
    }

    /** Polls {@code condition} every 100 ms for up to {@code seconds}; true once it held. */
    private static boolean within(int seconds, Check condition) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (condition.holds()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.holds();
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    @Test
    void a_killed_child_is_restarted_after_its_backoff_and_meanwhile_the_error_says_so() throws Exception {
        Set<Long> before = children();
        try (StdioProxy proxy = proxy("restart-backoff: 3s\nrestart-backoff-max: 10s")) {
            HttpResponse<String> first = echo(proxy, null, 1, "before");
            assertThat(echoed(first)).as(first.body()).contains("before");
            Set<Long> mine = new HashSet<>(children());
            mine.removeAll(before);
            assertThat(mine).hasSize(1);
            long pid = mine.iterator().next();

            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            assertThat(within(
                            10,
                            () -> ProcessHandle.of(pid).isEmpty()
                                    || !ProcessHandle.of(pid).get().isAlive()))
                    .isTrue();

            // Inside the 3 s backoff: refused at once with the proxy's upstream-unavailable error, never held.
            HttpResponse<String> during = echo(proxy, null, 2, "during");
            JsonNode error = JSON.readTree(during.body()).path("error");
            assertThat(during.statusCode()).as(during.body()).isEqualTo(502);
            assertThat(error.path("code").asInt()).isEqualTo(-32005);
            assertThat(error.path("message").asText()).contains("stdio MCP server");
            assertThat(JSON.readTree(during.body()).path("id").asInt()).isEqualTo(2);
            assertThat(readyz(proxy)).as("not ready while the child is down").isEqualTo(503);

            // After the backoff, a new child answers.
            String[] after = {""};
            assertThat(within(20, () -> {
                        after[0] = echoed(echo(proxy, null, 3, "after"));
                        return after[0].contains("after");
                    }))
                    .as("the child came back after its backoff")
                    .isTrue();
            Set<Long> now = new HashSet<>(children());
            now.removeAll(before);
            assertThat(now).hasSize(1).doesNotContain(pid);
            assertThat(readyz(proxy)).isEqualTo(200);

            long restarted = now.iterator().next();
            proxy.close();
            // Closing the proxy ends its child (stdin closed, then terminated if need be), bounded, before it returns.
            assertThat(ProcessHandle.of(restarted).map(ProcessHandle::isAlive).orElse(false))
                    .as("the child still runs after the proxy closed")
                    .isFalse();
        }
    }

    @Test
    void per_subject_mode_gives_two_subjects_two_children_and_lets_idle_ones_go() throws Exception {
        Set<Long> before = children();
        try (StdioProxy proxy = proxy("mode: per-subject\nidle-timeout: 2s\nmax-processes: 2")) {
            assertThat(echoed(echo(proxy, "alice", 1, "for alice"))).contains("for alice");
            assertThat(echoed(echo(proxy, "bob", 1, "for bob"))).contains("for bob");
            assertThat(echoed(echo(proxy, "alice", 2, "alice again"))).contains("alice again");

            Set<Long> mine = new HashSet<>(children());
            mine.removeAll(before);
            assertThat(mine).as("one child per subject").hasSize(2);

            // A third subject is beyond max-processes: refused, not queued.
            HttpResponse<String> carol = echo(proxy, "carol", 1, "for carol");
            assertThat(JSON.readTree(carol.body()).at("/error/code").asInt())
                    .as(carol.body())
                    .isEqualTo(-32005);

            // Idle for 2 s: both children are stopped, and a subject's next request starts a fresh one.
            assertThat(within(
                            15,
                            () -> mine.stream()
                                    .noneMatch(p -> ProcessHandle.of(p)
                                            .map(ProcessHandle::isAlive)
                                            .orElse(false))))
                    .as("idle children stopped")
                    .isTrue();
            assertThat(echoed(echo(proxy, "carol", 2, "carol later"))).contains("carol later");
        }
    }

    @Test
    void an_answer_longer_than_the_line_bound_fails_closed_and_the_child_serves_on() throws Exception {
        try (StdioProxy proxy = proxy("max-line-bytes: 2KiB")) {
            HttpResponse<String> big = echo(proxy, null, 1, "x".repeat(4096));

            JsonNode answer = JSON.readTree(big.body());
            assertThat(answer.at("/error/code").asInt()).as(big.body()).isEqualTo(-32011);
            assertThat(answer.path("id").asInt()).isEqualTo(1);
            assertThat(big.body()).doesNotContain("xxxxxxxx");

            assertThat(echoed(echo(proxy, null, 2, "small"))).contains("small");
        }
    }

    @Test
    void the_childs_stderr_reaches_the_log_with_its_secrets_masked() throws Exception {
        String token = "ghp_" + "Xr7Lp2Qw9Zk4Vn8Bt3Ys6Hd1Fg5Jm0Ac2Ee9";
        // A wrapper that prints its token to stderr before it becomes the server: what a careless server does.
        List<String> command = List.of(
                "sh", "-c", "echo \"starting with $GITHUB_TOKEN\" >&2; exec \"$0\" stdio", everything.toString());
        try (LogCapture logs = new LogCapture("io.mcpguard.proxy.stdio");
                StdioProxy proxy = new StdioProxy(
                        opa.url(),
                        "command: %s\nenv:\n  pass: [PATH, GITHUB_TOKEN]".formatted(StdioProxy.yamlList(command)),
                        Map.of("PATH", System.getenv("PATH"), "GITHUB_TOKEN", token),
                        TestSubjects.ACME_VIEWERS)) {
            assertThat(echoed(echo(proxy, null, 1, "up"))).contains("up");

            List<String> stderr = logs.lines().stream()
                    .map(LogCapture.Line::text)
                    .filter(t -> t.contains("event.name=stdio.stderr"))
                    .toList();
            assertThat(stderr).anySatisfy(t -> assertThat(t).contains("starting with"));
            assertThat(logs.lines()).noneSatisfy(l -> assertThat(l.text()).contains(token));
        }
    }
}
