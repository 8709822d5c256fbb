package io.mcpguard.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a fresh {@link SandboxState} from {@code seed/seed.json}. Commits are replayed in order, so hashes are real
 * SHA-1s of their content and every tree is consistent with its history; pull requests refer to commits by their
 * seed alias.
 */
final class SeedLoader {
    private static final String SEED = "/seed/seed.json";

    private SeedLoader() {}

    static SandboxState load() {
        JsonNode seed;
        try (InputStream in = SeedLoader.class.getResourceAsStream(SEED)) {
            if (in == null) throw new IllegalStateException("missing resource " + SEED);
            seed = Renderer.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SEED, e);
        }
        SandboxState state = new SandboxState();
        for (JsonNode u : seed.path("users")) {
            User user = new User(
                    u.path("id").asText(),
                    u.path("display_name").asText(),
                    u.path("nickname").asText(),
                    u.path("account_id").asText(),
                    u.path("uuid").asText(),
                    u.path("email").asText());
            state.users.put(user.id(), user);
        }
        for (JsonNode c : seed.path("credentials")) {
            state.credentials.add(new Credential(
                    c.path("email").asText(null),
                    c.path("api_token").asText(null),
                    c.path("access_token").asText(null),
                    user(state, c.path("user").asText()),
                    new HashSet<>(strings(c.path("scopes")))));
        }
        for (JsonNode w : seed.path("workspaces")) {
            Workspace ws = new Workspace(
                    w.path("slug").asText(),
                    w.path("name").asText(),
                    w.path("uuid").asText(),
                    w.path("is_private").asBoolean(true),
                    strings(w.path("members")),
                    w.path("created_on").asText());
            state.workspaces.put(ws.slug(), ws);
        }
        for (JsonNode r : seed.path("repositories")) {
            loadRepository(state, r);
        }
        return state;
    }

    private static void loadRepository(SandboxState state, JsonNode r) {
        Workspace ws = state.workspaces.get(r.path("workspace").asText());
        Repository repo = new Repository(
                ws,
                r.path("slug").asText(),
                r.path("name").asText(r.path("slug").asText()),
                r.path("description").asText(""),
                r.path("language").asText(""),
                r.path("is_private").asBoolean(true),
                r.path("uuid").asText(),
                r.path("created_on").asText(),
                r.path("mainbranch").asText("main"),
                r.path("first_comment_id").asLong(100000));
        state.repositories.put(repo.fullName(), repo);
        Map<String, String> aliases = new HashMap<>();
        for (JsonNode c : r.path("commits")) {
            String branch = c.path("branch").asText(repo.mainBranch);
            List<String> parents = new ArrayList<>();
            String head = repo.branches.get(branch);
            if (head == null && c.has("from"))
                head = repo.branches.get(c.path("from").asText());
            if (head != null) parents.add(head);
            Map<String, String> tree = new LinkedHashMap<>(
                    head == null ? Map.of() : repo.commits.get(head).tree());
            if (c.has("merge")) {
                String other = repo.branches.get(c.path("merge").asText());
                Commit ours = repo.commits.get(head);
                Commit theirs = repo.commits.get(other);
                tree = new LinkedHashMap<>(SandboxState.mergedTree(state.mergeBase(repo, ours, theirs), ours, theirs));
                parents.add(other);
            }
            for (var f : c.path("files").properties()) {
                String content = content(f.getValue());
                if (content == null) tree.remove(f.getKey());
                else tree.put(f.getKey(), content);
            }
            Commit commit = state.addCommit(
                    repo,
                    parents,
                    user(state, c.path("author").asText()),
                    c.path("date").asText(),
                    c.path("message").asText(),
                    tree);
            repo.branches.put(branch, commit.hash());
            if (c.has("id")) aliases.put(c.path("id").asText(), commit.hash());
        }
        for (JsonNode b : r.path("deleted_branches")) {
            repo.branches.remove(b.asText());
        }
        for (JsonNode p : r.path("pullrequests")) {
            loadPullRequest(state, repo, aliases, p);
        }
        repo.updatedOn = r.path("updated_on").asText(repo.updatedOn);
    }

    private static void loadPullRequest(SandboxState state, Repository repo, Map<String, String> aliases, JsonNode p) {
        String stateName = p.path("state").asText("OPEN");
        String source = p.path("source").asText();
        String destination = p.path("destination").asText(repo.mainBranch);
        String sourceCommit =
                p.has("source_commit") ? aliases.get(p.path("source_commit").asText()) : repo.branches.get(source);
        String destinationCommit = p.has("destination_commit")
                ? aliases.get(p.path("destination_commit").asText())
                : repo.branches.get(destination);
        if (sourceCommit == null || destinationCommit == null) {
            throw new IllegalStateException("seed PR " + repo.fullName() + "#" + p.path("id") + " has unknown commits");
        }
        PullRequest pr = new PullRequest(
                p.path("id").asLong(),
                p.path("title").asText(),
                p.path("description").asText(""),
                user(state, p.path("author").asText()),
                source,
                sourceCommit,
                destination,
                destinationCommit,
                p.path("created_on").asText());
        pr.state = stateName;
        pr.updatedOn = p.path("updated_on").asText(pr.createdOn);
        pr.closeSourceBranch = p.path("close_source_branch").asBoolean(false);
        if (p.has("merge_commit"))
            pr.mergeCommit = aliases.get(p.path("merge_commit").asText());
        if (p.has("closed_by")) pr.closedBy = user(state, p.path("closed_by").asText());
        for (String reviewer : strings(p.path("reviewers"))) pr.reviewers.add(user(state, reviewer));
        for (String approver : strings(p.path("approved_by"))) pr.reviews.put(approver, "approved");
        for (String requester : strings(p.path("changes_requested_by"))) pr.reviews.put(requester, "changes_requested");
        List<Comment> comments = new ArrayList<>();
        for (JsonNode c : p.path("comments")) {
            Long parent =
                    c.has("reply_to") ? comments.get(c.path("reply_to").asInt()).id() : null;
            JsonNode inline = c.path("inline");
            Comment comment = new Comment(
                    repo.nextCommentId++,
                    user(state, c.path("author").asText()),
                    c.path("raw").asText(),
                    c.path("created_on").asText(),
                    parent,
                    inline.isObject() ? inline.path("path").asText() : null,
                    inline.path("to").isNumber() ? inline.path("to").asInt() : null,
                    inline.path("from").isNumber() ? inline.path("from").asInt() : null);
            comments.add(comment);
        }
        pr.comments.addAll(comments);
        repo.pullRequests.add(pr);
    }

    private static String content(JsonNode value) {
        if (value.isNull()) return null;
        if (value.isTextual()) return value.asText();
        if (value.has("resource")) {
            String path = "/seed/files/" + value.path("resource").asText();
            try (InputStream in = SeedLoader.class.getResourceAsStream(path)) {
                if (in == null) throw new IllegalStateException("missing seed file " + path);
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (value.has("generate")) {
            JsonNode g = value.path("generate");
            StringBuilder out = new StringBuilder(g.path("header").asText(""));
            if (out.length() > 0) out.append('\n');
            String template = g.path("line").asText();
            int lines = g.path("lines").asInt();
            for (int i = 1; i <= lines; i++) {
                out.append(template.replace("{n}", Integer.toString(i))
                                .replace("{cents}", Integer.toString((i * 7919) % 100000))
                                .replace("{day}", String.format("%02d", 1 + i % 28)))
                        .append('\n');
            }
            return out.toString();
        }
        throw new IllegalStateException("unknown file content form: " + value);
    }

    private static User user(SandboxState state, String id) {
        User user = state.users.get(id);
        if (user == null) throw new IllegalStateException("seed names unknown user " + id);
        return user;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
