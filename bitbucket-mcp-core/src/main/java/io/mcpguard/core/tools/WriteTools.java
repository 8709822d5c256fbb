package io.mcpguard.core.tools;

import static io.mcpguard.core.tools.ReadTools.prIdArg;
import static io.mcpguard.core.tools.ReadTools.repoArg;
import static io.mcpguard.core.tools.ReadTools.repoPath;
import static io.mcpguard.core.tools.ReadTools.workspaceArg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.core.bitbucket.BitbucketClient;
import io.mcpguard.core.bitbucket.BitbucketException;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.List;
import java.util.Map;

/** The four write tools: open and edit pull requests, comment on them, review them. Nothing here merges or deletes. */
final class WriteTools {
    private final BitbucketClient bitbucket;

    WriteTools(BitbucketClient bitbucket) {
        this.bitbucket = bitbucket;
    }

    private static Map<String, Object> reviewersArg() {
        return Schema.strings("Reviewers by account_id or {UUID} (see get_pull_request for ids)");
    }

    List<ToolDefinition> definitions() {
        return List.of(
                ToolDefinition.of(
                        "create_pull_request",
                        "Create pull request",
                        "Opens a pull request from source_branch into destination_branch (default: the main"
                                + " branch).",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("title", Schema.string("Title"))
                                .required("source_branch", Schema.string("Branch with the changes"))
                                .optional(
                                        "destination_branch",
                                        Schema.string("Branch to merge into (default: the main branch)"))
                                .optional("description", Schema.text("Description, in Markdown"))
                                .optional("reviewers", reviewersArg())
                                .optional("draft", Schema.bool("Open as a draft"))
                                .optional(
                                        "close_source_branch",
                                        Schema.bool("Delete the source branch when the pull request is merged"))
                                .build(),
                        Access.WRITE,
                        false,
                        this::createPullRequest),
                ToolDefinition.of(
                        "update_pull_request",
                        "Update pull request",
                        "Changes the title, description or reviewers of an open pull request; fields not given"
                                + " are kept.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("pr_id", prIdArg())
                                .optional("title", Schema.string("New title"))
                                .optional("description", Schema.text("New description, in Markdown"))
                                .optional("reviewers", reviewersArg())
                                .build(),
                        Access.WRITE,
                        true,
                        this::updatePullRequest),
                ToolDefinition.of(
                        "add_pull_request_comment",
                        "Comment on pull request",
                        "Adds a comment to a pull request: general, a reply (parent_id), or anchored to a line of"
                                + " the diff (file_path + line; line_type REMOVED anchors to the old side).",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("pr_id", prIdArg())
                                .required("text", Schema.string("Comment text, in Markdown"))
                                .optional("parent_id", Schema.integer("Reply to this comment id", 1, Integer.MAX_VALUE))
                                .optional("file_path", Schema.string("File of the diff to anchor the comment to"))
                                .optional("line", Schema.integer("Line in that file", 1, Integer.MAX_VALUE))
                                .optional(
                                        "line_type",
                                        Schema.oneOf(
                                                "ADDED or CONTEXT (new side, default) or REMOVED (old side)",
                                                "ADDED",
                                                "REMOVED",
                                                "CONTEXT"))
                                .build(),
                        Access.WRITE,
                        false,
                        this::addComment),
                ToolDefinition.of(
                        "set_review_status",
                        "Set review status",
                        "Approves a pull request, requests changes (NEEDS_WORK), or withdraws both" + " (UNAPPROVED).",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("pr_id", prIdArg())
                                .required(
                                        "status",
                                        Schema.oneOf(
                                                "APPROVED, NEEDS_WORK or UNAPPROVED",
                                                "APPROVED",
                                                "NEEDS_WORK",
                                                "UNAPPROVED"))
                                .build(),
                        Access.WRITE,
                        true,
                        this::setReviewStatus));
    }

    static ArrayNode reviewers(List<String> ids) {
        ArrayNode out = ToolResults.JSON.createArrayNode();
        for (String id : ids) {
            if (id.startsWith("{") && id.endsWith("}")) out.addObject().put("uuid", id);
            else out.addObject().put("account_id", id);
        }
        return out;
    }

    private CallToolResult createPullRequest(Args a) throws BitbucketException {
        ObjectNode body = Views.object().put("title", a.string("title"));
        String description = a.optString("description");
        if (description != null) body.put("description", description);
        body.putObject("source").putObject("branch").put("name", a.string("source_branch"));
        String destination = a.optString("destination_branch");
        if (destination != null)
            body.putObject("destination").putObject("branch").put("name", destination);
        List<String> reviewers = a.optStrings("reviewers");
        if (reviewers != null) body.set("reviewers", reviewers(reviewers));
        Boolean draft = a.optBool("draft");
        if (draft != null) body.put("draft", draft);
        Boolean close = a.optBool("close_source_branch");
        if (close != null) body.put("close_source_branch", close);
        JsonNode created = bitbucket.send("POST", repoPath(a) + "/pullrequests", body);
        return ToolResults.json(Views.pullRequest(created));
    }

    private CallToolResult updatePullRequest(Args a) throws BitbucketException {
        int id = a.integer("pr_id", 1, Integer.MAX_VALUE);
        String title = a.optString("title");
        String description = a.optString("description");
        List<String> reviewers = a.optStrings("reviewers");
        if (title == null && description == null && reviewers == null) {
            throw new ToolInputException("give at least one of title, description, reviewers");
        }
        String url = repoPath(a) + "/pullrequests/" + id;
        // Cloud's PUT wants the title even when only other fields change: start from the current one.
        JsonNode current = bitbucket.getJson(url, Map.of());
        ObjectNode body = Views.object()
                .put("title", title != null ? title : current.path("title").asText());
        if (description != null) body.put("description", description);
        if (reviewers != null) body.set("reviewers", reviewers(reviewers));
        return ToolResults.json(Views.pullRequest(bitbucket.send("PUT", url, body)));
    }

    private CallToolResult addComment(Args a) throws BitbucketException {
        int id = a.integer("pr_id", 1, Integer.MAX_VALUE);
        ObjectNode body = Views.object();
        body.putObject("content").put("raw", a.string("text"));
        int parent = a.optInt("parent_id", 0, 1, Integer.MAX_VALUE);
        if (parent > 0) body.putObject("parent").put("id", parent);
        String file = a.optString("file_path");
        int line = a.optInt("line", 0, 1, Integer.MAX_VALUE);
        if (file != null) {
            ObjectNode inline = body.putObject("inline").put("path", a.repoPath("file_path", true));
            if (line > 0) {
                String side = a.oneOf("line_type", "ADDED", "ADDED", "REMOVED", "CONTEXT");
                inline.put(side.equals("REMOVED") ? "from" : "to", line);
            }
        } else if (line > 0) {
            throw new ToolInputException("'line' needs 'file_path'");
        }
        JsonNode created = bitbucket.send("POST", repoPath(a) + "/pullrequests/" + id + "/comments", body);
        return ToolResults.json(Views.comment(created));
    }

    private CallToolResult setReviewStatus(Args a) throws BitbucketException {
        int id = a.integer("pr_id", 1, Integer.MAX_VALUE);
        String status = a.oneOf("status", null, "APPROVED", "NEEDS_WORK", "UNAPPROVED");
        if (status == null) throw new ToolInputException("'status' is required");
        String url = repoPath(a) + "/pullrequests/" + id;
        switch (status) {
            case "APPROVED" -> bitbucket.send("POST", url + "/approve", null);
            case "NEEDS_WORK" -> bitbucket.send("POST", url + "/request-changes", null);
            default -> {
                bitbucket.getJson(url, Map.of()); // a clear 404 for a wrong id before the two deletes
                deleteIgnoringNotFound(url + "/approve");
                deleteIgnoringNotFound(url + "/request-changes");
            }
        }
        JsonNode pr = bitbucket.getJson(url, Map.of());
        ObjectNode out = Views.object().put("pr_id", id).put("status", status);
        out.set("participants", Views.pullRequest(pr).get("participants"));
        return ToolResults.json(out);
    }

    private void deleteIgnoringNotFound(String url) throws BitbucketException {
        try {
            bitbucket.send("DELETE", url, null);
        } catch (BitbucketException e) {
            if (e.kind() != BitbucketException.Kind.NOT_FOUND) throw e;
        }
    }
}
