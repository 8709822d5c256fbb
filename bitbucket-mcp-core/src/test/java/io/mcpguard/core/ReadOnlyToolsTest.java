package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The twelve read-only tools against the sandbox through the SDK client, with pagination and truncation. */
class ReadOnlyToolsTest {
    private static CoreFixture core;

    @BeforeAll
    static void start() throws Exception {
        CoreFixture.sandbox().reset();
        core = CoreFixture.start(false, false);
    }

    @AfterAll
    static void stop() throws Exception {
        core.close();
    }

    private static List<String> field(JsonNode page, String name) {
        List<String> out = new ArrayList<>();
        page.path("values").forEach(v -> out.add(v.path(name).asText()));
        return out;
    }

    @Test
    void list_workspaces_shows_both_workspaces() {
        JsonNode page = core.json("list_workspaces", Map.of());
        assertThat(field(page, "slug")).containsExactly("acme", "globex");
        assertThat(page.path("values").get(0).path("uuid").asText())
                .startsWith("{")
                .endsWith("}");
        assertThat(page.path("next_page").isNull()).isTrue();
    }

    @Test
    void list_repositories_paginates_and_filters() {
        JsonNode first = core.json("list_repositories", Map.of("workspace", "acme", "limit", 3));
        assertThat(first.path("values")).hasSize(3);
        assertThat(first.path("total").asInt()).isEqualTo(4);
        assertThat(first.path("next_page").asInt()).isEqualTo(2);
        assertThat(first.path("hint").asText()).contains("page=2");
        JsonNode second = core.json("list_repositories", Map.of("workspace", "acme", "limit", 3, "page", 2));
        assertThat(second.path("values")).hasSize(1);
        assertThat(second.path("next_page").isNull()).isTrue();
        List<String> all = new ArrayList<>(field(first, "slug"));
        all.addAll(field(second, "slug"));
        assertThat(all)
                .containsExactlyInAnyOrder("payments-api", "web-frontend", "infra-config", "notification-service");

        JsonNode filtered = core.json("list_repositories", Map.of("workspace", "acme", "query", "pay"));
        assertThat(field(filtered, "slug")).containsExactly("payments-api");
    }

    @Test
    void get_repository_shows_main_branch_and_visibility() {
        JsonNode repo = core.json("get_repository", Map.of("workspace", "globex", "repo", "mobile-app"));
        assertThat(repo.path("full_name").asText()).isEqualTo("globex/mobile-app");
        assertThat(repo.path("main_branch").asText()).isEqualTo("develop");
        assertThat(repo.path("is_private").asBoolean()).isTrue();
    }

    @Test
    void list_branches_filters_by_name() {
        JsonNode all = core.json("list_branches", Map.of("workspace", "acme", "repo", "payments-api"));
        assertThat(field(all, "name"))
                .contains("main", "feature/refund-endpoint", "feature/ledger-export", "experiment/mysql");
        JsonNode features =
                core.json("list_branches", Map.of("workspace", "acme", "repo", "payments-api", "filter", "feature"));
        assertThat(field(features, "name")).containsExactly("feature/ledger-export", "feature/refund-endpoint");
        assertThat(features.path("values").get(0).path("head").path("hash").asText())
                .hasSize(40);
    }

    @Test
    void list_commits_pages_through_history_of_a_branch() {
        JsonNode page1 = core.json("list_commits", Map.of("workspace", "acme", "repo", "payments-api", "limit", 3));
        assertThat(page1.path("values")).hasSize(3);
        assertThat(page1.path("next_page").asInt()).isEqualTo(2);
        assertThat(page1.path("values").get(0).path("message").asText()).contains("Hikari");
        JsonNode page2 =
                core.json("list_commits", Map.of("workspace", "acme", "repo", "payments-api", "limit", 3, "page", 2));
        assertThat(field(page2, "hash")).doesNotContainAnyElementsOf(field(page1, "hash"));

        JsonNode branch = core.json(
                "list_commits",
                Map.of("workspace", "acme", "repo", "payments-api", "branch", "feature/refund-endpoint"));
        assertThat(branch.path("values").get(0).path("author").asText()).contains("marco.rossi@acme-corp.example");
    }

    @Test
    void get_file_content_reads_a_file_at_the_main_branch_or_a_ref() {
        String config = core.ok(
                "get_file_content",
                Map.of("workspace", "acme", "repo", "payments-api", "path", "config/application-prod.yml"));
        assertThat(config).contains("BEGIN RSA PRIVATE KEY").contains("maximum-pool-size: 32");
        assertThat(config).doesNotContain("[truncated");
        String old = core.ok(
                "get_file_content",
                Map.of(
                        "workspace", "acme",
                        "repo", "payments-api",
                        "path", "src/main/java/com/acme/payments/core/RefundService.java",
                        "ref", "feature/refund-endpoint"));
        assertThat(old).contains("class RefundService");
    }

    @Test
    void get_file_content_truncates_long_files_and_says_how_to_read_on() {
        Map<String, Object> args = Map.of(
                "workspace", "acme",
                "repo", "payments-api",
                "path", "src/main/resources/fixtures/ledger-sample.csv",
                "ref", "feature/ledger-export",
                "max_lines", 100);
        String first = core.ok("get_file_content", args);
        assertThat(first.lines().filter(l -> l.contains(",EUR,")).count()).isEqualTo(99);
        assertThat(first).contains("[truncated: showed lines 1-100 of 2601").contains("start_line=101");
        String next = core.ok(
                "get_file_content",
                Map.of(
                        "workspace", "acme",
                        "repo", "payments-api",
                        "path", "src/main/resources/fixtures/ledger-sample.csv",
                        "ref", "feature/ledger-export",
                        "start_line", 2590));
        assertThat(next).startsWith("2589,").contains("[end of file: showed lines 2590-2601 of 2601.]");
    }

    @Test
    void list_directory_lists_root_and_subdirectories() {
        JsonNode root = core.json("list_directory", Map.of("workspace", "acme", "repo", "payments-api"));
        assertThat(root.path("ref").asText()).isEqualTo("main");
        assertThat(field(root, "path")).contains("config", "docs", "src", "README.md");
        JsonNode config =
                core.json("list_directory", Map.of("workspace", "acme", "repo", "payments-api", "path", "config"));
        assertThat(config.path("values").get(0).path("path").asText()).isEqualTo("config/application-prod.yml");
        assertThat(config.path("values").get(0).path("type").asText()).isEqualTo("file");
    }

    @Test
    void search_code_finds_matches_across_and_within_repositories() {
        JsonNode hits = core.json("search_code", Map.of("workspace", "acme", "query", "acme-corp.internal"));
        List<String> repos = new ArrayList<>();
        hits.path("values").forEach(v -> repos.add(v.path("repository").asText()));
        assertThat(repos).contains("acme/payments-api", "acme/infra-config");
        JsonNode one =
                core.json("search_code", Map.of("workspace", "acme", "query", "RefundService", "repo", "payments-api"));
        assertThat(one.path("total").asInt()).isZero(); // only on the feature branch, search covers main
        JsonNode main =
                core.json("search_code", Map.of("workspace", "acme", "query", "pg_promote", "repo", "infra-config"));
        assertThat(main.path("values").get(0).path("path").asText()).isEqualTo("runbooks/pg-failover.md");
        assertThat(main.path("values")
                        .get(0)
                        .path("matches")
                        .get(0)
                        .path("text")
                        .asText())
                .contains("pg_promote");
    }

    @Test
    void list_pull_requests_by_state() {
        JsonNode open = core.json("list_pull_requests", Map.of("workspace", "acme", "repo", "payments-api"));
        assertThat(field(open, "id")).containsExactly("3", "2");
        JsonNode merged =
                core.json("list_pull_requests", Map.of("workspace", "acme", "repo", "payments-api", "state", "MERGED"));
        assertThat(field(merged, "title")).containsExactly("Fix currency rounding for JPY");
        JsonNode all = core.json(
                "list_pull_requests", Map.of("workspace", "acme", "repo", "payments-api", "state", "ALL", "limit", 3));
        assertThat(all.path("total").asInt()).isEqualTo(4);
        assertThat(all.path("next_page").asInt()).isEqualTo(2);
    }

    @Test
    void get_pull_request_shows_reviewers_and_review_state() {
        JsonNode pr = core.json("get_pull_request", Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2));
        assertThat(pr.path("title").asText()).isEqualTo("Add partial refund endpoint");
        assertThat(pr.path("state").asText()).isEqualTo("OPEN");
        assertThat(pr.path("description").asText()).contains("+1 (415) 555-0142");
        assertThat(pr.path("source_branch").asText()).isEqualTo("feature/refund-endpoint");
        assertThat(pr.path("participants").toString()).contains("changes_requested");
    }

    @Test
    void get_pull_request_diff_returns_a_unified_diff() {
        String diff = core.ok("get_pull_request_diff", Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2));
        assertThat(diff)
                .contains("diff --git a/src/main/java/com/acme/payments/api/PaymentController.java")
                .contains("+++ b/src/main/java/com/acme/payments/core/RefundService.java")
                .doesNotContain("[truncated");
        String one = core.ok(
                "get_pull_request_diff",
                Map.of(
                        "workspace", "acme",
                        "repo", "payments-api",
                        "pr_id", 2,
                        "path", "src/main/java/com/acme/payments/core/RefundService.java"));
        assertThat(one).contains("RefundService.java").doesNotContain("PaymentController.java");
    }

    @Test
    void get_pull_request_diff_truncates_large_diffs_and_continues_at_an_offset() {
        Map<String, Object> args = Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 3, "max_bytes", 5000);
        String first = core.ok("get_pull_request_diff", args);
        assertThat(first)
                .contains("[truncated: showed bytes 0-")
                .contains("(2 files)")
                .contains("call get_pull_request_diff with offset=")
                .contains("path=<file>");
        int offset = Integer.parseInt(first.replaceAll("(?s).*offset=(\\d+).*", "$1"));
        assertThat(offset).isLessThanOrEqualTo(5000).isGreaterThan(4000);
        String body = first.substring(0, first.lastIndexOf("\n["));
        assertThat(body).endsWith("\n");
        String second = core.ok(
                "get_pull_request_diff",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 3, "max_bytes", 5000, "offset", offset));
        assertThat(second).contains("[truncated: showed bytes " + offset + "-");
        String full = core.ok(
                "get_pull_request_diff",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 3, "max_bytes", 1_000_000));
        assertThat(full).startsWith(body).doesNotContain("[truncated");
    }

    @Test
    void list_pull_request_comments_with_replies_and_inline_anchors() {
        JsonNode page1 = core.json(
                "list_pull_request_comments",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "limit", 3));
        assertThat(page1.path("values")).hasSize(3);
        assertThat(page1.path("total").asInt()).isEqualTo(5);
        JsonNode first = page1.path("values").get(0);
        assertThat(first.path("inline").path("path").asText()).endsWith("RefundService.java");
        assertThat(page1.path("values").get(1).path("parent_id").asLong())
                .isEqualTo(first.path("id").asLong());
        assertThat(page1.path("values").get(2).path("text").asText()).contains("ATATT3xFfGF0");
        JsonNode page2 = core.json(
                "list_pull_request_comments",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "limit", 3, "page", 2));
        assertThat(page2.path("values")).hasSize(2);
    }
}
