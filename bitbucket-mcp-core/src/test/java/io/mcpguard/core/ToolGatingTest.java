package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Read-only by default; writes and dangerous tools are separate switches; a hidden tool cannot be called. */
class ToolGatingTest {
    static final List<String> READ_ONLY = List.of(
            "list_workspaces",
            "list_repositories",
            "get_repository",
            "list_branches",
            "list_commits",
            "get_file_content",
            "list_directory",
            "search_code",
            "list_pull_requests",
            "get_pull_request",
            "get_pull_request_diff",
            "list_pull_request_comments");
    static final List<String> WRITE =
            List.of("create_pull_request", "update_pull_request", "add_pull_request_comment", "set_review_status");
    static final List<String> DANGEROUS = List.of("merge_pull_request", "decline_pull_request", "delete_branch");

    private static Map<String, Tool> tools(CoreFixture core) {
        return core.client.listTools().tools().stream().collect(Collectors.toMap(Tool::name, t -> t));
    }

    @Test
    void defaults_list_only_read_only_tools_and_refuse_hidden_ones_in_tools_call() throws Exception {
        CoreFixture.sandbox().reset();
        try (CoreFixture core = CoreFixture.start(false, false)) {
            Map<String, Tool> tools = tools(core);
            assertThat(tools.keySet()).containsExactlyInAnyOrderElementsOf(READ_ONLY);
            tools.values().forEach(t -> {
                assertThat(t.annotations().readOnlyHint()).as(t.name()).isTrue();
                assertThat(t.annotations().destructiveHint()).as(t.name()).isFalse();
                assertThat(t.annotations().idempotentHint()).as(t.name()).isTrue();
                assertThat(t.annotations().openWorldHint()).as(t.name()).isTrue();
                assertThat(t.inputSchema()).containsEntry("type", "object");
            });

            for (String hidden : List.of("merge_pull_request", "create_pull_request", "delete_branch")) {
                assertThatThrownBy(() ->
                                core.call(hidden, Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2)))
                        .as(hidden)
                        .isInstanceOf(McpError.class)
                        .satisfies(e -> {
                            var error = ((McpError) e).getJsonRpcError();
                            assertThat(error.code()).isEqualTo(-32602); // invalid params: unknown tool
                            assertThat(String.valueOf(error.data())).contains(hidden);
                        });
            }
            assertThat(core.sandbox.requests()).isEmpty(); // refused before anything reached Bitbucket
            assertThat(core.json("get_pull_request", Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2))
                            .path("state")
                            .asText())
                    .isEqualTo("OPEN");
        }
    }

    @Test
    void writes_switch_adds_only_the_write_tools() throws Exception {
        try (CoreFixture core = CoreFixture.start(true, false)) {
            Map<String, Tool> tools = tools(core);
            assertThat(tools.keySet()).containsExactlyInAnyOrderElementsOf(concat(READ_ONLY, WRITE));
            for (String name : WRITE) {
                assertThat(tools.get(name).annotations().readOnlyHint()).isFalse();
                assertThat(tools.get(name).annotations().destructiveHint()).isFalse();
            }
            assertThat(tools.get("create_pull_request").annotations().idempotentHint())
                    .isFalse();
            assertThatThrownBy(() -> core.call("merge_pull_request", Map.of())).isInstanceOf(McpError.class);
        }
    }

    @Test
    void dangerous_switch_is_separate_from_writes() throws Exception {
        try (CoreFixture core = CoreFixture.start(false, true)) {
            Map<String, Tool> tools = tools(core);
            assertThat(tools.keySet()).containsExactlyInAnyOrderElementsOf(concat(READ_ONLY, DANGEROUS));
            for (String name : DANGEROUS) {
                assertThat(tools.get(name).annotations().readOnlyHint()).isFalse();
                assertThat(tools.get(name).annotations().destructiveHint()).isTrue();
            }
            assertThatThrownBy(() -> core.call("create_pull_request", Map.of())).isInstanceOf(McpError.class);
        }
    }

    @Test
    void both_switches_offer_all_nineteen_tools() throws Exception {
        try (CoreFixture core = CoreFixture.start(true, true)) {
            assertThat(tools(core)).hasSize(19);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
