package io.mcpguard.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * Turns sandbox objects into Bitbucket Cloud 2.0 JSON: {@code type} on every object, {@code links} with {@code
 * self}/{@code html}, UUIDs in braces, timestamps with offsets. Field names follow the REST reference.
 */
final class Renderer {
    static final ObjectMapper JSON = new ObjectMapper();

    private final String apiBase;
    private final String webBase;
    private final SandboxState state;

    Renderer(String apiBase, String webBase, SandboxState state) {
        this.apiBase = apiBase;
        this.webBase = webBase;
        this.state = state;
    }

    ObjectNode error(String message) {
        ObjectNode root = JSON.createObjectNode().put("type", "error");
        root.putObject("error").put("message", message);
        return root;
    }

    private ObjectNode links(String self, String html) {
        ObjectNode links = JSON.createObjectNode();
        links.putObject("self").put("href", self);
        if (html != null) links.putObject("html").put("href", html);
        return links;
    }

    ObjectNode user(User u) {
        ObjectNode n = JSON.createObjectNode()
                .put("display_name", u.displayName())
                .put("type", "user")
                .put("uuid", u.uuid())
                .put("account_id", u.accountId())
                .put("nickname", u.nickname());
        ObjectNode links = links(apiBase + "/users/" + u.uuid(), webBase + "/" + u.uuid() + "/");
        links.putObject("avatar").put("href", webBase + "/account/" + u.nickname() + "/avatar/");
        n.set("links", links);
        return n;
    }

    ObjectNode fullUser(User u) {
        return user(u).put("username", u.nickname())
                .put("created_on", "2019-03-11T09:12:44.020915+00:00")
                .put("is_staff", false)
                .put("account_status", "active");
    }

    ObjectNode workspace(Workspace w) {
        ObjectNode n = JSON.createObjectNode()
                .put("type", "workspace")
                .put("uuid", w.uuid())
                .put("name", w.name())
                .put("slug", w.slug())
                .put("is_private", w.isPrivate())
                .put("created_on", w.createdOn());
        n.set("links", links(apiBase + "/workspaces/" + w.slug(), webBase + "/" + w.slug() + "/"));
        return n;
    }

    ObjectNode workspaceAccess(Workspace w, User u) {
        ObjectNode n = JSON.createObjectNode().put("type", "workspace_access");
        n.put("administrator", w.members().indexOf(u.id()) == 0);
        ObjectNode ws = workspace(w);
        ws.put("type", "workspace_base");
        n.set("workspace", ws);
        n.set("links", links(apiBase + "/user/workspaces/" + w.slug() + "/permission", null));
        return n;
    }

    ObjectNode repository(Repository r) {
        ObjectNode n = JSON.createObjectNode()
                .put("type", "repository")
                .put("full_name", r.fullName())
                .put("name", r.name)
                .put("slug", r.slug)
                .put("description", r.description)
                .put("scm", "git")
                .put("website", (String) null)
                .put("uuid", r.uuid)
                .put("is_private", r.isPrivate)
                .put("fork_policy", "no_public_forks")
                .put("language", r.language)
                .put("created_on", r.createdOn)
                .put("updated_on", r.updatedOn)
                .put(
                        "size",
                        r.commits.values().stream()
                                .mapToLong(c -> c.tree().toString().length())
                                .sum())
                .put("has_issues", false)
                .put("has_wiki", false);
        ObjectNode links = links(apiBase + "/repositories/" + r.fullName(), webBase + "/" + r.fullName());
        links.putObject("pullrequests").put("href", apiBase + "/repositories/" + r.fullName() + "/pullrequests");
        links.putObject("commits").put("href", apiBase + "/repositories/" + r.fullName() + "/commits");
        links.putObject("branches").put("href", apiBase + "/repositories/" + r.fullName() + "/refs/branches");
        links.putObject("source").put("href", apiBase + "/repositories/" + r.fullName() + "/src");
        ArrayNode clone = links.putArray("clone");
        clone.addObject().put("name", "https").put("href", webBase + "/" + r.fullName() + ".git");
        n.set("links", links);
        n.set("workspace", workspaceRef(r.workspace));
        ObjectNode main = n.putObject("mainbranch");
        main.put("type", "branch").put("name", r.mainBranch);
        n.putObject("project")
                .put("type", "project")
                .put("key", r.workspace.slug().toUpperCase())
                .put("name", r.workspace.name());
        return n;
    }

    private ObjectNode workspaceRef(Workspace w) {
        ObjectNode n = JSON.createObjectNode()
                .put("type", "workspace")
                .put("uuid", w.uuid())
                .put("name", w.name())
                .put("slug", w.slug());
        n.set("links", links(apiBase + "/workspaces/" + w.slug(), webBase + "/" + w.slug() + "/"));
        return n;
    }

    private ObjectNode repositoryRef(Repository r) {
        ObjectNode n = JSON.createObjectNode()
                .put("type", "repository")
                .put("full_name", r.fullName())
                .put("name", r.name)
                .put("uuid", r.uuid);
        n.set("links", links(apiBase + "/repositories/" + r.fullName(), webBase + "/" + r.fullName()));
        return n;
    }

    ObjectNode commitRef(Repository r, String hash) {
        ObjectNode n = JSON.createObjectNode().put("type", "commit").put("hash", hash);
        n.set(
                "links",
                links(
                        apiBase + "/repositories/" + r.fullName() + "/commit/" + hash,
                        webBase + "/" + r.fullName() + "/commits/" + hash));
        return n;
    }

    ObjectNode commit(Repository r, Commit c) {
        ObjectNode n = commitRef(r, c.hash());
        n.put("date", c.date()).put("message", c.message());
        ObjectNode author = n.putObject("author").put("type", "author").put("raw", c.authorRaw());
        if (c.author() != null) author.set("user", user(c.author()));
        ArrayNode parents = n.putArray("parents");
        c.parents().forEach(p -> parents.add(commitRef(r, p)));
        n.set("repository", repositoryRef(r));
        ObjectNode summary = n.putObject("summary").put("type", "rendered").put("raw", c.message());
        summary.put("markup", "markdown");
        return n;
    }

    ObjectNode branch(Repository r, String name, Commit head) {
        ObjectNode n = JSON.createObjectNode().put("type", "branch").put("name", name);
        n.set(
                "links",
                links(
                        apiBase + "/repositories/" + r.fullName() + "/refs/branches/" + name,
                        webBase + "/" + r.fullName() + "/branch/" + name));
        n.set("target", commit(r, head));
        ArrayNode strategies = n.putArray("merge_strategies");
        List.of("merge_commit", "squash", "fast_forward").forEach(strategies::add);
        n.put("default_merge_strategy", "merge_commit");
        return n;
    }

    ObjectNode pullRequest(Repository r, PullRequest pr) {
        ObjectNode n = JSON.createObjectNode()
                .put("type", "pullrequest")
                .put("id", pr.id)
                .put("title", pr.title)
                .put("description", pr.description)
                .put("state", pr.state)
                .put("draft", pr.draft)
                .put("close_source_branch", pr.closeSourceBranch)
                .put("created_on", pr.createdOn)
                .put("updated_on", pr.updatedOn)
                .put("comment_count", pr.comments.size())
                .put("task_count", 0)
                .put("reason", pr.reason);
        n.putObject("summary")
                .put("type", "rendered")
                .put("raw", pr.description)
                .put("markup", "markdown");
        n.set("author", user(pr.author));
        n.set("source", endpoint(r, pr.sourceBranch, state.liveHead(r, pr.sourceBranch, pr.sourceCommit, pr)));
        n.set(
                "destination",
                endpoint(r, pr.destinationBranch, state.liveHead(r, pr.destinationBranch, pr.destinationCommit, pr)));
        if (pr.mergeCommit != null) n.set("merge_commit", commitRef(r, pr.mergeCommit));
        else n.putNull("merge_commit");
        if (pr.closedBy != null) n.set("closed_by", user(pr.closedBy));
        else n.putNull("closed_by");
        ArrayNode reviewers = n.putArray("reviewers");
        pr.reviewers.forEach(u -> reviewers.add(user(u)));
        ArrayNode participants = n.putArray("participants");
        for (User u : pr.reviewers) {
            participants.add(participant(u, "REVIEWER", pr.reviews.get(u.id())));
        }
        for (Map.Entry<String, String> e : pr.reviews.entrySet()) {
            User u = state.users.get(e.getKey());
            if (!pr.reviewers.contains(u)) participants.add(participant(u, "PARTICIPANT", e.getValue()));
        }
        String base = apiBase + "/repositories/" + r.fullName() + "/pullrequests/" + pr.id;
        ObjectNode links = links(base, webBase + "/" + r.fullName() + "/pull-requests/" + pr.id);
        for (String rel :
                List.of("commits", "approve", "diff", "diffstat", "comments", "activity", "merge", "decline")) {
            links.putObject(rel).put("href", base + "/" + rel);
        }
        n.set("links", links);
        return n;
    }

    private ObjectNode participant(User u, String role, String status) {
        ObjectNode p = JSON.createObjectNode().put("type", "participant").put("role", role);
        p.set("user", user(u));
        p.put("approved", "approved".equals(status));
        if (status == null) p.putNull("state");
        else p.put("state", status);
        p.put("participated_on", SandboxState.now());
        return p;
    }

    private ObjectNode endpoint(Repository r, String branch, String hash) {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("branch").put("name", branch);
        n.set("commit", commitRef(r, hash));
        n.set("repository", repositoryRef(r));
        return n;
    }

    ObjectNode comment(Repository r, PullRequest pr, Comment c) {
        ObjectNode n = JSON.createObjectNode()
                .put("type", "pullrequest_comment")
                .put("id", c.id())
                .put("created_on", c.createdOn())
                .put("updated_on", c.createdOn())
                .put("deleted", false)
                .put("pending", false);
        n.putObject("content")
                .put("type", "rendered")
                .put("raw", c.raw())
                .put("markup", "markdown")
                .put("html", "<p>" + escapeHtml(c.raw()) + "</p>");
        n.set("user", user(c.author()));
        if (c.parentId() != null) {
            ObjectNode parent = n.putObject("parent").put("id", c.parentId());
            parent.set(
                    "links",
                    links(
                            apiBase + "/repositories/" + r.fullName() + "/pullrequests/" + pr.id + "/comments/"
                                    + c.parentId(),
                            null));
        }
        if (c.inlinePath() != null) {
            ObjectNode inline = n.putObject("inline").put("path", c.inlinePath());
            if (c.inlineTo() != null) inline.put("to", c.inlineTo());
            else inline.putNull("to");
            if (c.inlineFrom() != null) inline.put("from", c.inlineFrom());
            else inline.putNull("from");
        }
        ObjectNode prRef = n.putObject("pullrequest")
                .put("type", "pullrequest")
                .put("id", pr.id)
                .put("title", pr.title);
        prRef.set(
                "links",
                links(
                        apiBase + "/repositories/" + r.fullName() + "/pullrequests/" + pr.id,
                        webBase + "/" + r.fullName() + "/pull-requests/" + pr.id));
        n.set(
                "links",
                links(
                        apiBase + "/repositories/" + r.fullName() + "/pullrequests/" + pr.id + "/comments/" + c.id(),
                        webBase + "/" + r.fullName() + "/pull-requests/" + pr.id + "/_/diff#comment-" + c.id()));
        return n;
    }

    ObjectNode treeEntry(Repository r, Commit c, String path, boolean directory, String content) {
        ObjectNode n = JSON.createObjectNode().put("path", path);
        n.set("commit", commitRef(r, c.hash()));
        String self =
                apiBase + "/repositories/" + r.fullName() + "/src/" + c.hash() + "/" + path + (directory ? "/" : "");
        if (directory) {
            n.put("type", "commit_directory");
        } else {
            n.put("type", "commit_file").put("size", content.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            n.putArray("attributes");
            n.put("escaped_path", path);
        }
        ObjectNode links = links(self, null);
        links.putObject("meta").put("href", self + "?format=meta");
        n.set("links", links);
        return n;
    }

    ObjectNode diffstat(Repository r, LineDiff.FileStat stat) {
        ObjectNode n = JSON.createObjectNode()
                .put("type", "diffstat")
                .put("status", stat.status())
                .put("lines_added", stat.added())
                .put("lines_removed", stat.removed());
        if (stat.status().equals("added")) n.putNull("old");
        else n.putObject("old").put("path", stat.path()).put("type", "commit_file");
        if (stat.status().equals("removed")) n.putNull("new");
        else n.putObject("new").put("path", stat.path()).put("type", "commit_file");
        return n;
    }

    private static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
