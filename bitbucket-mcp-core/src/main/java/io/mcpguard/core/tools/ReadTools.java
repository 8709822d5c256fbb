package io.mcpguard.core.tools;

import static io.mcpguard.core.bitbucket.BitbucketClient.path;
import static io.mcpguard.core.bitbucket.BitbucketClient.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.core.bitbucket.BitbucketClient;
import io.mcpguard.core.bitbucket.BitbucketException;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The twelve read-only tools: browse workspaces, repositories, branches, commits, files, code and pull requests. */
final class ReadTools {
    static final int DEFAULT_LIMIT = 25;
    static final int DEFAULT_MAX_LINES = 500;
    static final int MAX_LINES = 5000;
    static final int MAX_FILE_BYTES = 200_000;
    static final int DEFAULT_DIFF_BYTES = 60_000;
    static final int MAX_DIFF_BYTES = 1_000_000;

    private final BitbucketClient bitbucket;

    ReadTools(BitbucketClient bitbucket) {
        this.bitbucket = bitbucket;
    }

    static Map<String, Object> workspaceArg() {
        return Schema.string("Bitbucket Cloud workspace slug (or {UUID}), e.g. 'acme'");
    }

    static Map<String, Object> repoArg() {
        return Schema.string("Repository slug within the workspace, e.g. 'payments-api'");
    }

    static Map<String, Object> prIdArg() {
        return Schema.integer("Pull request id (the number in the PR's URL)", 1, Integer.MAX_VALUE);
    }

    private static Map<String, Object> pageArg() {
        return Schema.integer("Page number, starting at 1 (use next_page from the previous answer)", 1, 100_000);
    }

    private static Map<String, Object> limitArg(int max) {
        return Schema.integer("Results per page (default " + DEFAULT_LIMIT + ", at most " + max + ")", 1, max);
    }

    static String repoPath(Args a) {
        return "/repositories/" + segment(a.slug("workspace")) + "/" + segment(a.slug("repo"));
    }

    List<ToolDefinition> definitions() {
        return List.of(
                ToolDefinition.of(
                        "list_workspaces",
                        "List workspaces",
                        "Lists the Bitbucket Cloud workspaces this server's account belongs to.",
                        Schema.object()
                                .optional("page", pageArg())
                                .optional("limit", limitArg(100))
                                .build(),
                        Access.READ,
                        true,
                        this::listWorkspaces),
                ToolDefinition.of(
                        "list_repositories",
                        "List repositories",
                        "Lists repositories of a workspace, optionally only those whose name contains 'query'.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .optional("query", Schema.string("Only repositories whose name contains this text"))
                                .optional("page", pageArg())
                                .optional("limit", limitArg(100))
                                .build(),
                        Access.READ,
                        true,
                        this::listRepositories),
                ToolDefinition.of(
                        "get_repository",
                        "Get repository",
                        "Shows one repository: description, language, main branch, visibility, last update.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .build(),
                        Access.READ,
                        true,
                        this::getRepository),
                ToolDefinition.of(
                        "list_branches",
                        "List branches",
                        "Lists branches with their head commit, optionally only names containing 'filter'.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .optional("filter", Schema.string("Only branches whose name contains this text"))
                                .optional("page", pageArg())
                                .optional("limit", limitArg(100))
                                .build(),
                        Access.READ,
                        true,
                        this::listBranches),
                ToolDefinition.of(
                        "list_commits",
                        "List commits",
                        "Lists commits reachable from a branch (default: the main branch), newest first.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .optional("branch", Schema.string("Branch name or commit hash to start from"))
                                .optional("page", pageArg())
                                .optional("limit", limitArg(100))
                                .build(),
                        Access.READ,
                        true,
                        this::listCommits),
                ToolDefinition.of(
                        "get_file_content",
                        "Get file content",
                        "Reads a text file at a branch or commit (default: the main branch). Long files are"
                                + " returned in slices of max_lines lines; the answer says when it was truncated"
                                + " and which start_line reads on.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("path", Schema.string("File path in the repository, e.g. 'src/App.tsx'"))
                                .optional("ref", Schema.string("Branch name or commit hash (default: main branch)"))
                                .optional("start_line", Schema.integer("First line to return, from 1", 1, 10_000_000))
                                .optional(
                                        "max_lines",
                                        Schema.integer(
                                                "Lines to return (default " + DEFAULT_MAX_LINES + ", at most "
                                                        + MAX_LINES + ")",
                                                1,
                                                MAX_LINES))
                                .build(),
                        Access.READ,
                        true,
                        this::getFileContent),
                ToolDefinition.of(
                        "list_directory",
                        "List directory",
                        "Lists files and directories at a path (default: the repository root) of a branch or"
                                + " commit.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .optional("path", Schema.text("Directory path; empty or omitted for the root"))
                                .optional("ref", Schema.string("Branch name or commit hash (default: main branch)"))
                                .optional("page", pageArg())
                                .optional("limit", limitArg(100))
                                .build(),
                        Access.READ,
                        true,
                        this::listDirectory),
                ToolDefinition.of(
                        "search_code",
                        "Search code",
                        "Searches the code of a workspace's repositories (their main branches), optionally in one"
                                + " repository.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("query", Schema.string("Text to search for"))
                                .optional("repo", Schema.string("Only search this repository (slug)"))
                                .optional("page", pageArg())
                                .optional("limit", limitArg(100))
                                .build(),
                        Access.READ,
                        true,
                        this::searchCode),
                ToolDefinition.of(
                        "list_pull_requests",
                        "List pull requests",
                        "Lists pull requests of a repository in a state (default OPEN), newest first.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .optional(
                                        "state",
                                        Schema.oneOf(
                                                "OPEN (default), MERGED, DECLINED, SUPERSEDED or ALL",
                                                "OPEN",
                                                "MERGED",
                                                "DECLINED",
                                                "SUPERSEDED",
                                                "ALL"))
                                .optional("page", pageArg())
                                .optional("limit", limitArg(50))
                                .build(),
                        Access.READ,
                        true,
                        this::listPullRequests),
                ToolDefinition.of(
                        "get_pull_request",
                        "Get pull request",
                        "Shows one pull request: description, branches and commits, reviewers and their"
                                + " approvals, state, merge commit.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("pr_id", prIdArg())
                                .build(),
                        Access.READ,
                        true,
                        this::getPullRequest),
                ToolDefinition.of(
                        "get_pull_request_diff",
                        "Get pull request diff",
                        "Returns the unified diff of a pull request, at most max_bytes at a time; the answer"
                                + " says when it was truncated, which files it covers and which offset reads on."
                                + " Use 'path' for one file.",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("pr_id", prIdArg())
                                .optional("path", Schema.string("Only the diff of this file"))
                                .optional("context_lines", Schema.integer("Context lines per hunk (default 3)", 0, 100))
                                .optional(
                                        "max_bytes",
                                        Schema.integer(
                                                "Bytes to return (default " + DEFAULT_DIFF_BYTES + ", at most "
                                                        + MAX_DIFF_BYTES + ")",
                                                1000,
                                                MAX_DIFF_BYTES))
                                .optional(
                                        "offset",
                                        Schema.integer(
                                                "Byte offset to continue from (next_offset of the previous answer)",
                                                0,
                                                Integer.MAX_VALUE))
                                .build(),
                        Access.READ,
                        true,
                        this::getPullRequestDiff),
                ToolDefinition.of(
                        "list_pull_request_comments",
                        "List pull request comments",
                        "Lists the comments of a pull request, oldest first, with replies (parent_id) and inline"
                                + " anchors (path, line).",
                        Schema.object()
                                .required("workspace", workspaceArg())
                                .required("repo", repoArg())
                                .required("pr_id", prIdArg())
                                .optional("page", pageArg())
                                .optional("limit", limitArg(100))
                                .build(),
                        Access.READ,
                        true,
                        this::listPullRequestComments));
    }

    private static Map<String, Object> paging(Args a, int maxLimit) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("page", a.optInt("page", 1, 1, 100_000));
        q.put("pagelen", a.optInt("limit", Math.min(DEFAULT_LIMIT, maxLimit), 1, maxLimit));
        return q;
    }

    private static CallToolResult page(
            JsonNode result, Map<String, Object> q, java.util.function.Function<JsonNode, JsonNode> view) {
        return ToolResults.json(Views.page(result, (Integer) q.get("page"), (Integer) q.get("pagelen"), view));
    }

    private CallToolResult listWorkspaces(Args a) throws BitbucketException {
        Map<String, Object> q = paging(a, 100);
        return page(bitbucket.getJson("/user/workspaces", q), q, Views::workspaceAccess);
    }

    private CallToolResult listRepositories(Args a) throws BitbucketException {
        Map<String, Object> q = paging(a, 100);
        String query = a.optString("query");
        if (query != null && !query.isBlank()) q.put("q", "name ~ \"" + bbqlEscape(query) + "\"");
        return page(bitbucket.getJson("/repositories/" + segment(a.slug("workspace")), q), q, Views::repository);
    }

    private CallToolResult getRepository(Args a) throws BitbucketException {
        return ToolResults.json(Views.repository(bitbucket.getJson(repoPath(a), Map.of())));
    }

    private CallToolResult listBranches(Args a) throws BitbucketException {
        Map<String, Object> q = paging(a, 100);
        String filter = a.optString("filter");
        if (filter != null && !filter.isBlank()) q.put("q", "name ~ \"" + bbqlEscape(filter) + "\"");
        return page(bitbucket.getJson(repoPath(a) + "/refs/branches", q), q, Views::branch);
    }

    private CallToolResult listCommits(Args a) throws BitbucketException {
        Map<String, Object> q = paging(a, 100);
        String branch = a.optString("branch");
        String path = repoPath(a) + "/commits" + (branch == null || branch.isBlank() ? "" : "/" + segment(branch));
        return page(bitbucket.getJson(path, q), q, Views::commit);
    }

    /** The ref to read: the one given, else the repository's main branch (one extra call). */
    private String refOrMainBranch(Args a) throws BitbucketException {
        String ref = a.optString("ref");
        if (ref != null && !ref.isBlank()) return ref;
        JsonNode repo = bitbucket.getJson(repoPath(a), Map.of());
        return repo.path("mainbranch").path("name").asText("main");
    }

    private CallToolResult getFileContent(Args a) throws BitbucketException {
        String file = a.repoPath("path", true);
        int startLine = a.optInt("start_line", 1, 1, 10_000_000);
        int maxLines = a.optInt("max_lines", DEFAULT_MAX_LINES, 1, MAX_LINES);
        String ref = refOrMainBranch(a);
        String content = bitbucket.getText(repoPath(a) + "/src/" + segment(ref) + "/" + path(file), Map.of());
        if (content.indexOf('\0') >= 0) {
            return ToolResults.text("[" + file + " at " + ref + " is a binary file of " + content.length()
                    + " bytes; its content is not shown]");
        }
        if (content.startsWith("{") && content.contains("\"commit_directory\"")) {
            return ToolResults.error(file + " is a directory at " + ref + "; use list_directory to see its entries.");
        }
        List<String> lines = splitLines(content);
        int total = lines.size();
        if (startLine > Math.max(total, 1)) {
            return ToolResults.error(
                    "start_line " + startLine + " is past the end of " + file + " (" + total + " lines).");
        }
        StringBuilder out = new StringBuilder();
        int line = startLine;
        int end = Math.min(total, startLine - 1 + maxLines);
        while (line <= end) {
            String next = lines.get(line - 1);
            if (out.length() + next.length() + 1 > MAX_FILE_BYTES && line > startLine) break;
            out.append(next).append('\n');
            line++;
        }
        int lastShown = line - 1;
        if (lastShown < total) {
            out.append("\n[truncated: showed lines ")
                    .append(startLine)
                    .append('-')
                    .append(lastShown)
                    .append(" of ")
                    .append(total)
                    .append(" in ")
                    .append(file)
                    .append(" at ")
                    .append(ref)
                    .append(". To read more, call get_file_content with start_line=")
                    .append(lastShown + 1)
                    .append(".]");
        } else if (startLine > 1) {
            out.append("\n[end of file: showed lines ")
                    .append(startLine)
                    .append('-')
                    .append(lastShown)
                    .append(" of ")
                    .append(total)
                    .append(".]");
        }
        return ToolResults.text(out.toString());
    }

    private static List<String> splitLines(String content) {
        if (content.isEmpty()) return List.of();
        String body = content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        return List.of(body.split("\n", -1));
    }

    private CallToolResult listDirectory(Args a) throws BitbucketException {
        String dir = a.repoPath("path", false);
        Map<String, Object> q = paging(a, 100);
        String ref = refOrMainBranch(a);
        String url = repoPath(a) + "/src/" + segment(ref) + "/" + (dir.isEmpty() ? "" : path(dir) + "/");
        ObjectNode out = Views.page(
                bitbucket.getJson(url, q), (Integer) q.get("page"), (Integer) q.get("pagelen"), Views::treeEntry);
        out.put("path", dir.isEmpty() ? "/" : dir);
        out.put("ref", ref);
        return ToolResults.json(out);
    }

    private CallToolResult searchCode(Args a) throws BitbucketException {
        Map<String, Object> q = paging(a, 100);
        String query = a.string("query").strip();
        String repo = a.optString("repo");
        if (repo != null) {
            a.slug("repo");
            query = query + " repo:" + repo;
        }
        q.put("search_query", query);
        return page(
                bitbucket.getJson("/workspaces/" + segment(a.slug("workspace")) + "/search/code", q),
                q,
                Views::searchResult);
    }

    private CallToolResult listPullRequests(Args a) throws BitbucketException {
        Map<String, Object> q = paging(a, 50);
        String state = a.oneOf("state", "OPEN", "OPEN", "MERGED", "DECLINED", "SUPERSEDED", "ALL");
        q.put("state", state.equals("ALL") ? List.of("OPEN", "MERGED", "DECLINED", "SUPERSEDED") : state);
        return page(bitbucket.getJson(repoPath(a) + "/pullrequests", q), q, Views::pullRequestSummary);
    }

    private CallToolResult getPullRequest(Args a) throws BitbucketException {
        int id = a.integer("pr_id", 1, Integer.MAX_VALUE);
        return ToolResults.json(Views.pullRequest(bitbucket.getJson(repoPath(a) + "/pullrequests/" + id, Map.of())));
    }

    private CallToolResult getPullRequestDiff(Args a) throws BitbucketException {
        int id = a.integer("pr_id", 1, Integer.MAX_VALUE);
        int maxBytes = a.optInt("max_bytes", DEFAULT_DIFF_BYTES, 1000, MAX_DIFF_BYTES);
        int offset = a.optInt("offset", 0, 0, Integer.MAX_VALUE);
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("context", a.optInt("context_lines", 3, 0, 100));
        String file = a.repoPath("path", false);
        if (!file.isEmpty()) q.put("path", file);
        String diff = bitbucket.getText(repoPath(a) + "/pullrequests/" + id + "/diff", q);
        if (diff.isEmpty()) {
            return ToolResults.text(
                    file.isEmpty()
                            ? "[pull request #" + id + " has no changes]"
                            : "[pull request #" + id + " does not change " + file + "]");
        }
        byte[] bytes = diff.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (offset >= bytes.length) {
            return ToolResults.error("offset " + offset + " is past the end of the diff (" + bytes.length + " bytes).");
        }
        int end = Math.min(bytes.length, offset + maxBytes);
        if (end < bytes.length) {
            // cut after the last complete line so no hunk line is split
            int cut = end;
            while (cut > offset && bytes[cut - 1] != '\n') cut--;
            if (cut > offset) end = cut;
        }
        String shown = new String(bytes, offset, end - offset, java.nio.charset.StandardCharsets.UTF_8);
        if (offset == 0 && end == bytes.length) return ToolResults.text(shown);
        StringBuilder out = new StringBuilder(shown);
        List<String> allFiles = diffFiles(diff);
        List<String> shownFiles = diffFiles(shown);
        List<String> later = new ArrayList<>();
        String tail = new String(bytes, end, bytes.length - end, java.nio.charset.StandardCharsets.UTF_8);
        for (String f : diffFiles(tail)) if (!later.contains(f)) later.add(f);
        out.append("\n[");
        if (end < bytes.length) {
            out.append("truncated: showed bytes ")
                    .append(offset)
                    .append('-')
                    .append(end)
                    .append(" of ")
                    .append(bytes.length)
                    .append(" of the diff of pull request #")
                    .append(id)
                    .append(" (")
                    .append(allFiles.size())
                    .append(" files). Files starting in this part: ")
                    .append(shownFiles.isEmpty() ? "none" : String.join(", ", shownFiles))
                    .append(". Files after the cut: ")
                    .append(String.join(", ", later))
                    .append(". To read more, call get_pull_request_diff with offset=")
                    .append(end)
                    .append(", or with path=<file> for a single file, or a larger max_bytes (at most ")
                    .append(MAX_DIFF_BYTES)
                    .append(").]");
        } else {
            out.append("end of diff: showed bytes ")
                    .append(offset)
                    .append('-')
                    .append(end)
                    .append(" of ")
                    .append(bytes.length)
                    .append(".]");
        }
        return ToolResults.text(out.toString());
    }

    private static List<String> diffFiles(String diff) {
        List<String> files = new ArrayList<>();
        for (String line : diff.split("\n")) {
            if (line.startsWith("diff --git a/")) {
                int b = line.indexOf(" b/");
                files.add(b > 0 ? line.substring(b + 3) : line.substring("diff --git a/".length()));
            }
        }
        return files;
    }

    private CallToolResult listPullRequestComments(Args a) throws BitbucketException {
        int id = a.integer("pr_id", 1, Integer.MAX_VALUE);
        Map<String, Object> q = paging(a, 100);
        return page(bitbucket.getJson(repoPath(a) + "/pullrequests/" + id + "/comments", q), q, Views::comment);
    }

    private static String bbqlEscape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
