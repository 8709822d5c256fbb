package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The write and dangerous tools change the sandbox the way Bitbucket would. */
class WriteAndDangerousToolsTest {
    private static CoreFixture core;
    private static final String PRIYA = "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}";
    private static final String JORDAN_ACCOUNT = "712020:77c3b2a1-9e8d-4f6c-b5a4-3d2e1f0a9b8c";

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

    private static Map<String, Object> pr(String repo, int id) {
        return Map.of("workspace", "acme", "repo", repo, "pr_id", id);
    }

    @Test
    void create_get_merge_changes_state_and_a_second_merge_gets_bitbucket_s_error() {
        JsonNode created = core.json(
                "create_pull_request",
                Map.of(
                        "workspace", "acme",
                        "repo", "web-frontend",
                        "title", "Upgrade vite",
                        "source_branch", "chore/upgrade-vite",
                        "description", "Bumps vite; no API changes.",
                        "reviewers", List.of(PRIYA, JORDAN_ACCOUNT),
                        "close_source_branch", true));
        int id = created.path("id").asInt();
        assertThat(id).isEqualTo(2);
        assertThat(created.path("state").asText()).isEqualTo("OPEN");
        assertThat(created.path("destination_branch").asText()).isEqualTo("main");
        assertThat(created.path("reviewers").toString()).contains("Priya Raman", "Jordan Lee");

        JsonNode fetched = core.json("get_pull_request", pr("web-frontend", id));
        assertThat(fetched.path("title").asText()).isEqualTo("Upgrade vite");
        String sourceHead = fetched.path("source_commit").asText();

        JsonNode merged = core.json(
                "merge_pull_request",
                Map.of("workspace", "acme", "repo", "web-frontend", "pr_id", id, "strategy", "merge_commit"));
        assertThat(merged.path("state").asText()).isEqualTo("MERGED");
        assertThat(merged.path("closed_by").asText()).isEqualTo("Dana Demo");
        String mergeCommit = merged.path("merge_commit").asText();
        assertThat(mergeCommit).hasSize(40);

        JsonNode main = core.json(
                "list_commits", Map.of("workspace", "acme", "repo", "web-frontend", "branch", "main", "limit", 1));
        JsonNode head = main.path("values").get(0);
        assertThat(head.path("hash").asText()).isEqualTo(mergeCommit);
        assertThat(head.path("parents").toString()).contains(sourceHead);
        assertThat(head.path("message").asText()).startsWith("Merged in chore/upgrade-vite (pull request #2)");
        assertThat(core.ok("get_file_content", Map.of("workspace", "acme", "repo", "web-frontend", "path", ".nvmrc")))
                .startsWith("20");
        JsonNode branches = core.json("list_branches", Map.of("workspace", "acme", "repo", "web-frontend"));
        List<String> names = new java.util.ArrayList<>();
        branches.path("values").forEach(b -> names.add(b.path("name").asText()));
        assertThat(names).containsExactly("feature/dark-mode", "main"); // close_source_branch deleted the source
        assertThat(core.json("get_pull_request", pr("web-frontend", id))
                        .path("state")
                        .asText())
                .isEqualTo("MERGED");

        String again = core.error("merge_pull_request", pr("web-frontend", id));
        assertThat(again)
                .contains("HTTP 409")
                .contains("You can't merge a pull request that is already merged.")
                .doesNotContain("Exception");
    }

    @Test
    void squash_and_fast_forward_strategies() {
        String refused = core.error(
                "merge_pull_request",
                Map.of("workspace", "globex", "repo", "data-pipeline", "pr_id", 2, "strategy", "fast_forward"));
        assertThat(refused).contains("HTTP 400").contains("Fast-forward merge is not possible");

        JsonNode squashed = core.json(
                "merge_pull_request",
                Map.of("workspace", "globex", "repo", "data-pipeline", "pr_id", 2, "strategy", "squash"));
        String hash = squashed.path("merge_commit").asText();
        JsonNode head = core.json("list_commits", Map.of("workspace", "globex", "repo", "data-pipeline", "limit", 1))
                .path("values")
                .get(0);
        assertThat(head.path("hash").asText()).isEqualTo(hash);
        assertThat(head.path("parents")).hasSize(1);
        assertThat(head.path("message").asText()).isEqualTo("Fetch orders in batches (pull request #2)");

        JsonNode forwarded = core.json(
                "merge_pull_request",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 3, "strategy", "fast_forward"));
        assertThat(forwarded.path("merge_commit").asText())
                .isEqualTo(forwarded.path("source_commit").asText());
    }

    @Test
    void update_pull_request_keeps_fields_not_given() {
        JsonNode updated = core.json(
                "update_pull_request",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 3, "description", "Now with docs."));
        assertThat(updated.path("title").asText()).isEqualTo("Export the settlement ledger as CSV");
        assertThat(updated.path("description").asText()).isEqualTo("Now with docs.");
        JsonNode retitled = core.json(
                "update_pull_request",
                Map.of(
                        "workspace", "acme",
                        "repo", "payments-api",
                        "pr_id", 3,
                        "title", "Ledger CSV export",
                        "reviewers", List.of(PRIYA)));
        assertThat(retitled.path("title").asText()).isEqualTo("Ledger CSV export");
        assertThat(retitled.path("description").asText()).isEqualTo("Now with docs.");
        assertThat(retitled.path("reviewers").toString())
                .contains("Priya Raman")
                .doesNotContain("Marco Rossi");
        assertThat(core.error("update_pull_request", pr("payments-api", 3))).contains("at least one of");
    }

    @Test
    void add_pull_request_comment_general_reply_and_inline() {
        JsonNode general = core.json(
                "add_pull_request_comment",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "text", "Ship it after the fix."));
        long id = general.path("id").asLong();
        assertThat(general.path("author").asText()).isEqualTo("Dana Demo");
        JsonNode reply = core.json(
                "add_pull_request_comment",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "text", "Agreed.", "parent_id", id));
        assertThat(reply.path("parent_id").asLong()).isEqualTo(id);
        JsonNode inline = core.json(
                "add_pull_request_comment",
                Map.of(
                        "workspace", "acme",
                        "repo", "payments-api",
                        "pr_id", 2,
                        "text", "Name this refundableMinor?",
                        "file_path", "src/main/java/com/acme/payments/core/RefundService.java",
                        "line", 18));
        assertThat(inline.path("inline").path("to").asInt()).isEqualTo(18);
        JsonNode removedSide = core.json(
                "add_pull_request_comment",
                Map.of(
                        "workspace", "acme",
                        "repo", "payments-api",
                        "pr_id", 2,
                        "text", "Why was this removed?",
                        "file_path", "src/main/java/com/acme/payments/api/PaymentController.java",
                        "line", 9,
                        "line_type", "REMOVED"));
        assertThat(removedSide.path("inline").path("from").asInt()).isEqualTo(9);
        JsonNode all = core.json(
                "list_pull_request_comments",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "limit", 100));
        assertThat(all.path("total").asInt()).isEqualTo(9);
    }

    @Test
    void set_review_status_approves_requests_changes_and_withdraws() {
        JsonNode approved = core.json(
                "set_review_status",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "status", "APPROVED"));
        assertThat(approved.path("participants").toString())
                .contains("\"Dana Demo\"")
                .contains("\"approved\"");
        JsonNode needsWork = core.json(
                "set_review_status",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "status", "NEEDS_WORK"));
        String dana = participant(needsWork, "Dana Demo");
        assertThat(dana).contains("changes_requested");
        JsonNode withdrawn = core.json(
                "set_review_status",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "status", "UNAPPROVED"));
        assertThat(participant(withdrawn, "Dana Demo"))
                .contains("\"state\":null")
                .contains("\"approved\":false");
        assertThat(core.error(
                        "set_review_status",
                        Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 99, "status", "UNAPPROVED")))
                .contains("HTTP 404");
    }

    private static String participant(JsonNode answer, String name) {
        for (JsonNode p : answer.path("participants")) {
            if (p.path("display_name").asText().equals(name)) return p.toString();
        }
        return "";
    }

    @Test
    void decline_pull_request_leaves_the_reason_as_a_comment() {
        JsonNode declined = core.json(
                "decline_pull_request",
                Map.of(
                        "workspace", "acme",
                        "repo", "web-frontend",
                        "pr_id", 1,
                        "message", "Superseded by the design-system theme."));
        assertThat(declined.path("state").asText()).isEqualTo("DECLINED");
        JsonNode comments = core.json("list_pull_request_comments", pr("web-frontend", 1));
        assertThat(comments.toString()).contains("Superseded by the design-system theme.");
        assertThat(core.error("decline_pull_request", pr("web-frontend", 1)))
                .contains("HTTP 409")
                .contains("already declined");
    }

    @Test
    void delete_branch_removes_it_and_protects_the_main_branch() {
        JsonNode deleted = core.json(
                "delete_branch", Map.of("workspace", "acme", "repo", "infra-config", "branch", "cleanup/old-modules"));
        assertThat(deleted.path("deleted").asText()).isEqualTo("cleanup/old-modules");
        assertThat(core.json("list_branches", Map.of("workspace", "acme", "repo", "infra-config"))
                        .toString())
                .doesNotContain("cleanup/old-modules");
        assertThat(core.error(
                        "delete_branch",
                        Map.of("workspace", "acme", "repo", "infra-config", "branch", "cleanup/old-modules")))
                .contains("HTTP 404");
        assertThat(core.error("delete_branch", Map.of("workspace", "acme", "repo", "infra-config", "branch", "main")))
                .contains("HTTP 400")
                .contains("main branch");
    }
}
