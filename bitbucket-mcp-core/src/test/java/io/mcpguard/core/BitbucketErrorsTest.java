package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.core.bitbucket.BitbucketAuth;
import io.mcpguard.sandbox.BitbucketSandbox;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each class of Bitbucket failure comes back as an isError result that says what to do, never a stack trace. */
class BitbucketErrorsTest {
    private static CoreFixture core;

    @BeforeAll
    static void start() throws Exception {
        core = CoreFixture.start(true, true);
    }

    @AfterAll
    static void stop() throws Exception {
        core.close();
    }

    @BeforeEach
    void reset() {
        core.sandbox.reset();
    }

    private static void assertNoInternals(String message) {
        assertThat(message).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("io.mcpguard.");
    }

    @Test
    void unauthorized_401_points_at_the_credentials() throws Exception {
        try (CoreFixture wrong = CoreFixture.start(
                false,
                false,
                new BitbucketAuth.ApiToken(BitbucketSandbox.DEMO_EMAIL, "not-the-token"),
                Duration.ofSeconds(15))) {
            String message = wrong.error("list_workspaces", Map.of());
            assertThat(message)
                    .contains("HTTP 401")
                    .contains("BITBUCKET_API_TOKEN")
                    .contains("Invalid credentials");
            assertNoInternals(message);
        }
    }

    @Test
    void forbidden_403_names_the_missing_scope() throws Exception {
        try (CoreFixture readOnlyToken = CoreFixture.start(
                true,
                false,
                new BitbucketAuth.ApiToken(BitbucketSandbox.DEMO_EMAIL, BitbucketSandbox.READ_ONLY_API_TOKEN),
                Duration.ofSeconds(15))) {
            String message = readOnlyToken.error(
                    "set_review_status",
                    Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "status", "APPROVED"));
            assertThat(message)
                    .contains("HTTP 403")
                    .contains("write:pullrequest:bitbucket")
                    .contains("lack one or more required privilege scopes");
            assertNoInternals(message);
        }
    }

    @Test
    void not_found_404_suggests_how_to_find_the_right_name() {
        String repo = core.error("get_repository", Map.of("workspace", "acme", "repo", "no-such-repo"));
        assertThat(repo).contains("HTTP 404").contains("You may not have access to this repository");
        String pr = core.error("get_pull_request", Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 404));
        assertThat(pr).contains("HTTP 404").contains("list_pull_requests");
        String file = core.error(
                "get_file_content", Map.of("workspace", "acme", "repo", "payments-api", "path", "no/such/file.txt"));
        assertThat(file).contains("HTTP 404");
        assertNoInternals(repo + pr + file);
    }

    @Test
    void conflict_409_says_to_fetch_the_current_state() {
        String message =
                core.error("decline_pull_request", Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 1));
        assertThat(message)
                .contains("HTTP 409")
                .contains("You can't decline a pull request that is already merged.")
                .contains("get_pull_request");
        assertNoInternals(message);
    }

    @Test
    void rate_limit_429_with_a_short_retry_after_is_waited_out_and_retried() {
        core.sandbox.injectFault("GET", "/repositories/acme", 429, 1, 1);
        long start = System.nanoTime();
        CallToolResult result = core.call("list_repositories", Map.of("workspace", "acme"));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(result.isError()).as(CoreFixture.text(result)).isFalse();
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(1000);
        List<String> log = core.sandbox.requests();
        assertThat(log).anyMatch(l -> l.startsWith("GET /2.0/repositories/acme?") && l.endsWith("-> 429"));
        assertThat(log.get(log.size() - 1))
                .startsWith("GET /2.0/repositories/acme?")
                .endsWith("-> 200");
    }

    @Test
    void rate_limit_429_with_a_long_retry_after_is_reported_with_the_wait() {
        core.sandbox.injectFault("GET", "/repositories/acme", 429, 120, 1);
        String message = core.error("list_repositories", Map.of("workspace", "acme"));
        assertThat(message).contains("HTTP 429").contains("Retry after 120 seconds");
        assertThat(core.sandbox.requests()).hasSize(1); // no retry when the wait is longer than allowed
        assertNoInternals(message);
    }

    @Test
    void rate_limit_429_without_retry_after_asks_to_wait() {
        core.sandbox.injectFault("GET", "/pullrequests", 429, 0, 1);
        String message = core.error("list_pull_requests", Map.of("workspace", "acme", "repo", "payments-api"));
        assertThat(message).contains("HTTP 429").contains("Wait a minute");
    }

    @Test
    void server_error_5xx_is_reported_as_bitbucket_s_side() {
        core.sandbox.injectFault(null, "/user/workspaces", 503, 0, 1);
        String message = core.error("list_workspaces", Map.of());
        assertThat(message).contains("HTTP 503").contains("Bitbucket's side");
    }

    @Test
    void unreachable_bitbucket_names_the_url() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        var client = new io.mcpguard.core.bitbucket.BitbucketClient(
                URI.create("http://127.0.0.1:" + closedPort + "/2.0"),
                new BitbucketAuth.Anonymous(),
                Duration.ofSeconds(2),
                Duration.ofSeconds(1));
        var tool = io.mcpguard.core.tools.ToolCatalog.all(client).get(0);
        CallToolResult result = io.mcpguard.core.server.ToolRegistryAccess.invoke(tool, Map.of());
        assertThat(result.isError()).isTrue();
        assertThat(CoreFixture.text(result))
                .contains("could not be reached")
                .contains("127.0.0.1:" + closedPort)
                .contains("BITBUCKET_URL");
    }

    @Test
    void invalid_arguments_are_tool_errors_that_name_the_argument() {
        String traversal = core.error("get_repository", Map.of("workspace", "acme", "repo", ".."));
        assertThat(traversal).contains("'repo'");
        String path = core.error(
                "get_file_content", Map.of("workspace", "acme", "repo", "payments-api", "path", "../../etc/passwd"));
        assertThat(path).contains("'path'");
        CallToolResult missing = core.call("get_repository", Map.of("workspace", "acme"));
        assertThat(missing.isError()).isTrue();
        assertThat(CoreFixture.text(missing)).contains("repo");
        assertThat(core.sandbox.requests()).isEmpty(); // nothing reached Bitbucket
    }
}
