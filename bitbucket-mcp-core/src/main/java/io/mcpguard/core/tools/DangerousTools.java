package io.mcpguard.core.tools;

import static io.mcpguard.core.bitbucket.BitbucketClient.path;
import static io.mcpguard.core.tools.ReadTools.prIdArg;
import static io.mcpguard.core.tools.ReadTools.repoArg;
import static io.mcpguard.core.tools.ReadTools.repoPath;
import static io.mcpguard.core.tools.ReadTools.workspaceArg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.core.bitbucket.BitbucketClient;
import io.mcpguard.core.bitbucket.BitbucketException;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.List;

/** The three tools that cannot be undone from Bitbucket's UI: merge, decline, delete a branch. */
final class DangerousTools {
    private static final int MERGE_POLLS = 30;
    private static final long MERGE_POLL_INTERVAL_MILLIS = 1000;

    private final BitbucketClient bitbucket;

    DangerousTools(BitbucketClient bitbucket) {
        this.bitbucket = bitbucket;
    }

    List<ToolDefinition> definitions() {
        return List.of(
                ToolDefinition.of(
                        "merge_pull_request",
                        "Merge pull request",
                        "Merges an open pull request into its destination branch. Irreversible.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("pr_id", prIdArg())
                                .optional(
                                        "strategy",
                                        Schema.oneOf(
                                                "merge_commit (default), squash or fast_forward",
                                                "merge_commit",
                                                "squash",
                                                "fast_forward"))
                                .optional("message", Schema.string("Commit message of the merge"))
                                .optional(
                                        "close_source_branch",
                                        Schema.bool("Delete the source branch (default: as set on the pull request)"))
                                .build(),
                        Access.DANGEROUS,
                        false,
                        this::merge),
                ToolDefinition.of(
                        "decline_pull_request",
                        "Decline pull request",
                        "Declines (closes without merging) an open pull request; with 'message', first leaves"
                                + " it as a comment. Bitbucket Cloud cannot reopen a declined pull request.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("pr_id", prIdArg())
                                .optional("message", Schema.string("Why it is declined (posted as a comment)"))
                                .build(),
                        Access.DANGEROUS,
                        false,
                        this::decline),
                ToolDefinition.of(
                        "delete_branch",
                        "Delete branch",
                        "Deletes a branch. Its commits stay reachable only through other branches or pull"
                                + " requests.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("branch", Schema.string("Branch name, e.g. 'feature/old-spike'"))
                                .build(),
                        Access.DANGEROUS,
                        true,
                        this::deleteBranch));
    }

    private CallToolResult merge(Args a) throws BitbucketException {
        int id = a.integer("pr_id", 1, Integer.MAX_VALUE);
        ObjectNode body = Views.object().put("type", "pullrequest_merge_parameters");
        String strategy = a.oneOf("strategy", null, "merge_commit", "squash", "fast_forward");
        if (strategy != null) body.put("merge_strategy", strategy);
        String message = a.optString("message");
        if (message != null) body.put("message", message);
        Boolean close = a.optBool("close_source_branch");
        if (close != null) body.put("close_source_branch", close);
        JsonNode merged = bitbucket.send("POST", repoPath(a) + "/pullrequests/" + id + "/merge", body);
        if (!merged.has("state")) {
            merged = awaitBackgroundMerge(repoPath(a) + "/pullrequests/" + id);
        }
        return ToolResults.json(Views.pullRequest(merged));
    }

    /**
     * A 202 answer means Bitbucket merges in the background (all Cloud merges are tasks; slow ones answer 202). The
     * pull request itself shows the outcome once the task is done, so poll it for a bounded time.
     */
    private JsonNode awaitBackgroundMerge(String url) throws BitbucketException {
        JsonNode pr = bitbucket.getJson(url, java.util.Map.of());
        for (int i = 0; i < MERGE_POLLS && pr.path("state").asText().equals("OPEN"); i++) {
            try {
                Thread.sleep(MERGE_POLL_INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pr = bitbucket.getJson(url, java.util.Map.of());
        }
        return pr;
    }

    private CallToolResult decline(Args a) throws BitbucketException {
        int id = a.integer("pr_id", 1, Integer.MAX_VALUE);
        String url = repoPath(a) + "/pullrequests/" + id;
        String message = a.optString("message");
        if (message != null && !message.isBlank()) {
            JsonNode pr = bitbucket.getJson(url, java.util.Map.of());
            if (pr.path("state").asText().equals("OPEN")) {
                ObjectNode comment = Views.object();
                comment.putObject("content").put("raw", message);
                bitbucket.send("POST", url + "/comments", comment);
            }
        }
        return ToolResults.json(Views.pullRequest(bitbucket.send("POST", url + "/decline", null)));
    }

    private CallToolResult deleteBranch(Args a) throws BitbucketException {
        String branch = a.string("branch");
        if (branch.contains("..") || branch.startsWith("/") || branch.endsWith("/")) {
            throw new ToolInputException("'branch' is not a valid branch name: " + branch);
        }
        bitbucket.send("DELETE", repoPath(a) + "/refs/branches/" + path(branch), null);
        ObjectNode out =
                Views.object().put("deleted", branch).put("repository", a.slug("workspace") + "/" + a.slug("repo"));
        return ToolResults.json(out);
    }
}
