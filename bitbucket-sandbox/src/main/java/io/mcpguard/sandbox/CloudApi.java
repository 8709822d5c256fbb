package io.mcpguard.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Bitbucket Cloud REST 2.0 endpoints the core's tools use, dispatched on decoded path segments after
 * {@code /2.0}. Each route checks the scope Bitbucket requires for it before touching state.
 */
final class CloudApi {
    private static final Pattern BBQL = Pattern.compile("(\\w+)\\s*(~|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final SandboxState state;
    private final Renderer render;
    private final String apiBase;

    CloudApi(SandboxState state, Renderer render, String apiBase) {
        this.state = state;
        this.render = render;
        this.apiBase = apiBase;
    }

    void handle(Exchange ex, List<String> seg) throws IOException {
        User me = ex.caller.user();
        String m = ex.method;
        int n = seg.size();
        if (n == 1 && seg.get(0).equals("user") && m.equals("GET")) {
            require(ex, "read:user:bitbucket");
            ex.json(200, render.fullUser(me));
            return;
        }
        if (n == 2 && seg.get(0).equals("user") && seg.get(1).equals("workspaces") && m.equals("GET")) {
            require(ex, "read:workspace:bitbucket");
            List<ObjectNode> values = state.workspacesOf(me).stream()
                    .map(w -> render.workspaceAccess(w, me))
                    .toList();
            ex.json(200, ex.page(values, 10, 100, apiBase, true));
            return;
        }
        if (n >= 2 && seg.get(0).equals("workspaces")) {
            require(ex, "read:workspace:bitbucket");
            Workspace ws = state.workspace(me, seg.get(1));
            if (n == 2 && m.equals("GET")) {
                ex.json(200, render.workspace(ws));
                return;
            }
            if (n == 4 && seg.get(2).equals("search") && seg.get(3).equals("code") && m.equals("GET")) {
                require(ex, "read:repository:bitbucket");
                searchCode(ex, me, ws);
                return;
            }
        }
        if (n >= 2 && seg.get(0).equals("repositories")) {
            if (n == 2 && m.equals("GET")) {
                require(ex, "read:repository:bitbucket");
                listRepositories(ex, me, seg.get(1));
                return;
            }
            Repository repo = state.repository(me, seg.get(1), seg.get(2));
            repositoryRoute(ex, me, repo, seg.subList(3, n));
            return;
        }
        throw ApiError.notFound("Resource not found");
    }

    private void repositoryRoute(Exchange ex, User me, Repository repo, List<String> rest) throws IOException {
        String m = ex.method;
        int n = rest.size();
        if (n == 0 && m.equals("GET")) {
            require(ex, "read:repository:bitbucket");
            ex.json(200, render.repository(repo));
            return;
        }
        String head = rest.get(0);
        if (head.equals("refs") && n >= 2 && rest.get(1).equals("branches")) {
            if (n == 2 && m.equals("GET")) {
                require(ex, "read:repository:bitbucket");
                listBranches(ex, repo);
                return;
            }
            String name = String.join("/", rest.subList(2, n));
            if (m.equals("GET")) {
                require(ex, "read:repository:bitbucket");
                String hash = repo.branches.get(name);
                if (hash == null) throw ApiError.notFound("Branch not found: " + name);
                ex.json(200, render.branch(repo, name, repo.commits.get(hash)));
                return;
            }
            if (m.equals("DELETE")) {
                require(ex, "write:repository:bitbucket");
                state.deleteBranch(repo, name);
                ex.empty(204);
                return;
            }
        }
        if (head.equals("commits") && m.equals("GET")) {
            require(ex, "read:repository:bitbucket");
            String revision = n > 1 ? String.join("/", rest.subList(1, n)) : repo.mainBranch;
            Commit tip = state.resolve(repo, revision);
            List<ObjectNode> values = state.history(repo, tip).stream()
                    .map(c -> render.commit(repo, c))
                    .toList();
            ex.json(200, ex.page(values, 30, 100, apiBase, false));
            return;
        }
        if (head.equals("commit") && n == 2 && m.equals("GET")) {
            require(ex, "read:repository:bitbucket");
            ex.json(200, render.commit(repo, state.resolve(repo, rest.get(1))));
            return;
        }
        if (head.equals("src") && m.equals("GET")) {
            require(ex, "read:repository:bitbucket");
            if (n == 1) {
                ex.redirect(apiBase + "/repositories/" + repo.fullName() + "/src/" + repo.branches.get(repo.mainBranch)
                        + "/");
                return;
            }
            boolean trailingSlash = ex.path.endsWith("/");
            source(ex, repo, state.resolve(repo, rest.get(1)), String.join("/", rest.subList(2, n)), trailingSlash);
            return;
        }
        if (head.equals("diff") && n >= 2 && m.equals("GET")) {
            require(ex, "read:repository:bitbucket");
            diff(ex, repo, String.join("/", rest.subList(1, n)));
            return;
        }
        if (head.equals("pullrequests")) {
            pullRequestRoute(ex, me, repo, rest.subList(1, n));
            return;
        }
        throw ApiError.notFound("Resource not found");
    }

    private void pullRequestRoute(Exchange ex, User me, Repository repo, List<String> rest) throws IOException {
        String m = ex.method;
        int n = rest.size();
        if (n == 0 && m.equals("GET")) {
            require(ex, "read:pullrequest:bitbucket");
            List<String> states = ex.params("state").isEmpty()
                    ? List.of("OPEN")
                    : ex.params("state").stream()
                            .map(s -> s.toUpperCase(Locale.ROOT))
                            .toList();
            List<ObjectNode> values = new ArrayList<>();
            for (int i = repo.pullRequests.size() - 1; i >= 0; i--) {
                PullRequest pr = repo.pullRequests.get(i);
                if (states.contains(pr.state)) values.add(render.pullRequest(repo, pr));
            }
            ex.json(200, ex.page(values, 10, 50, apiBase, true));
            return;
        }
        if (n == 0 && m.equals("POST")) {
            require(ex, "write:pullrequest:bitbucket");
            JsonNode body = ex.body();
            PullRequest pr = state.createPullRequest(
                    repo,
                    me,
                    text(body.path("title")),
                    text(body.path("description")),
                    text(body.path("source").path("branch").path("name")),
                    text(body.path("destination").path("branch").path("name")),
                    users(body.path("reviewers")),
                    body.path("draft").asBoolean(false),
                    body.path("close_source_branch").asBoolean(false));
            ex.http
                    .getResponseHeaders()
                    .set("Location", apiBase + "/repositories/" + repo.fullName() + "/pullrequests/" + pr.id);
            ex.json(201, render.pullRequest(repo, pr));
            return;
        }
        long id = parseId(rest.get(0), "pull request");
        PullRequest pr = state.pullRequest(repo, id);
        String action = n > 1 ? rest.get(1) : "";
        switch (m + " " + action) {
            case "GET " -> {
                require(ex, "read:pullrequest:bitbucket");
                ex.json(200, render.pullRequest(repo, pr));
            }
            case "PUT " -> {
                require(ex, "write:pullrequest:bitbucket");
                JsonNode body = ex.body();
                state.updatePullRequest(
                        pr,
                        body.has("title") ? text(body.get("title")) : null,
                        body.has("description") ? text(body.get("description")) : null,
                        body.has("reviewers") ? users(body.get("reviewers")) : null,
                        body.has("destination")
                                ? text(body.path("destination").path("branch").path("name"))
                                : null,
                        repo);
                ex.json(200, render.pullRequest(repo, pr));
            }
            case "GET diff" -> {
                require(ex, "read:pullrequest:bitbucket");
                String source = state.liveHead(repo, pr.sourceBranch, pr.sourceCommit, pr);
                String destination = state.liveHead(repo, pr.destinationBranch, pr.destinationCommit, pr);
                Commit base = state.mergeBase(repo, repo.commits.get(source), repo.commits.get(destination));
                String spec = source + ".." + (base == null ? destination : base.hash());
                StringBuilder location =
                        new StringBuilder(apiBase + "/repositories/" + repo.fullName() + "/diff/" + spec);
                location.append("?from_pullrequest_id=").append(pr.id).append("&topic=true");
                for (String key : List.of("context", "path")) {
                    for (String v : ex.params(key))
                        location.append('&').append(key).append('=').append(Exchange.encode(v));
                }
                ex.redirect(location.toString());
            }
            case "GET diffstat" -> {
                require(ex, "read:pullrequest:bitbucket");
                List<Map<String, String>> trees = state.pullRequestTrees(repo, pr);
                List<ObjectNode> values = LineDiff.stats(trees.get(0), trees.get(1)).stream()
                        .map(s -> render.diffstat(repo, s))
                        .toList();
                ex.json(200, ex.page(values, 500, 500, apiBase, true));
            }
            case "GET comments" -> {
                require(ex, "read:pullrequest:bitbucket");
                if (n == 3) {
                    long cid = parseId(rest.get(2), "comment");
                    Comment c = pr.comments.stream()
                            .filter(x -> x.id() == cid)
                            .findFirst()
                            .orElseThrow(() -> ApiError.notFound("Comment " + cid + " does not exist."));
                    ex.json(200, render.comment(repo, pr, c));
                    return;
                }
                List<ObjectNode> values = pr.comments.stream()
                        .map(c -> render.comment(repo, pr, c))
                        .toList();
                ex.json(200, ex.page(values, 10, 100, apiBase, true));
            }
            case "POST comments" -> {
                require(ex, "write:pullrequest:bitbucket");
                JsonNode body = ex.body();
                JsonNode inline = body.path("inline");
                Comment c = state.addComment(
                        repo,
                        pr,
                        me,
                        text(body.path("content").path("raw")),
                        body.path("parent").has("id")
                                ? body.path("parent").path("id").asLong()
                                : null,
                        inline.isObject() ? text(inline.path("path")) : null,
                        inline.path("to").isNumber() ? inline.path("to").asInt() : null,
                        inline.path("from").isNumber() ? inline.path("from").asInt() : null);
                ex.json(201, render.comment(repo, pr, c));
            }
            case "POST approve", "POST request-changes" -> {
                require(ex, "write:pullrequest:bitbucket");
                requireJsonPost(ex);
                String status = action.equals("approve") ? "approved" : "changes_requested";
                state.review(pr, me, status);
                ObjectNode participant = Renderer.JSON
                        .createObjectNode()
                        .put("type", "participant")
                        .put("role", "PARTICIPANT");
                participant.set("user", render.user(me));
                participant.put("approved", status.equals("approved")).put("state", status);
                ex.json(200, participant);
            }
            case "DELETE approve", "DELETE request-changes" -> {
                require(ex, "write:pullrequest:bitbucket");
                String want = action.equals("approve") ? "approved" : "changes_requested";
                if (want.equals(pr.reviews.get(me.id()))) state.review(pr, me, null);
                ex.empty(204);
            }
            case "POST merge" -> {
                require(ex, "write:pullrequest:bitbucket");
                JsonNode body = ex.body();
                state.merge(
                        repo,
                        pr,
                        me,
                        body.hasNonNull("merge_strategy") ? text(body.get("merge_strategy")) : null,
                        body.hasNonNull("message") ? text(body.get("message")) : null,
                        body.hasNonNull("close_source_branch")
                                ? body.get("close_source_branch").asBoolean()
                                : null);
                ex.json(200, render.pullRequest(repo, pr));
            }
            case "POST decline" -> {
                require(ex, "write:pullrequest:bitbucket");
                requireJsonPost(ex);
                state.decline(pr, me);
                ex.json(200, render.pullRequest(repo, pr));
            }
            default -> throw ApiError.notFound("Resource not found");
        }
    }

    private void listRepositories(Exchange ex, User me, String workspace) throws IOException {
        List<Repository> repos = state.repositoriesOf(me, workspace);
        String q = ex.param("q");
        List<ObjectNode> values = repos.stream()
                .filter(r -> matches(q, Map.of("name", r.name, "slug", r.slug, "language", r.language)))
                .map(render::repository)
                .toList();
        ex.json(200, ex.page(values, 10, 100, apiBase, true));
    }

    private void listBranches(Exchange ex, Repository repo) throws IOException {
        String q = ex.param("q");
        List<ObjectNode> values = new TreeSet<>(repo.branches.keySet())
                .stream()
                        .filter(b -> matches(q, Map.of("name", b)))
                        .map(b -> render.branch(repo, b, repo.commits.get(repo.branches.get(b))))
                        .toList();
        ex.json(200, ex.page(values, 10, 100, apiBase, true));
    }

    /** A small BBQL subset: {@code field ~ "text"} (contains) and {@code field = "text"}, joined by AND. */
    private static boolean matches(String q, Map<String, String> fields) {
        if (q == null || q.isBlank()) return true;
        Matcher matcher = BBQL.matcher(q);
        boolean any = false;
        while (matcher.find()) {
            any = true;
            String value = fields.get(matcher.group(1));
            String wanted = matcher.group(3).replace("\\\"", "\"");
            if (value == null) throw ApiError.badRequest("Invalid field name: " + matcher.group(1));
            boolean ok = matcher.group(2).equals("=")
                    ? value.equals(wanted)
                    : value.toLowerCase(Locale.ROOT).contains(wanted.toLowerCase(Locale.ROOT));
            if (!ok) return false;
        }
        if (!any) throw ApiError.badRequest("Invalid query: " + q);
        return true;
    }

    private void source(Exchange ex, Repository repo, Commit commit, String path, boolean directoryHint)
            throws IOException {
        Map<String, String> tree = commit.tree();
        String file = tree.get(path);
        if (file != null && !directoryHint) {
            if ("meta".equals(ex.param("format"))) {
                ex.json(200, render.treeEntry(repo, commit, path, false, file));
            } else {
                ex.text(200, file);
            }
            return;
        }
        String prefix = path.isEmpty() ? "" : path + "/";
        TreeSet<String> dirs = new TreeSet<>();
        TreeSet<String> files = new TreeSet<>();
        for (String p : tree.keySet()) {
            if (!p.startsWith(prefix)) continue;
            String rest = p.substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash >= 0) dirs.add(prefix + rest.substring(0, slash));
            else files.add(p);
        }
        if (dirs.isEmpty() && files.isEmpty()) {
            throw ApiError.notFound("No such file or directory: " + path);
        }
        List<ObjectNode> values = new ArrayList<>();
        dirs.forEach(d -> values.add(render.treeEntry(repo, commit, d, true, null)));
        files.forEach(f -> values.add(render.treeEntry(repo, commit, f, false, tree.get(f))));
        ex.json(200, ex.page(values, 10, 100, apiBase, false));
    }

    private void diff(Exchange ex, Repository repo, String spec) throws IOException {
        Commit to;
        Commit from;
        int dots = spec.indexOf("..");
        if (dots >= 0) {
            to = state.resolve(repo, spec.substring(0, dots));
            from = state.resolve(repo, spec.substring(dots + 2));
        } else {
            to = state.resolve(repo, spec);
            from = to.parents().isEmpty() ? null : repo.commits.get(to.parents().get(0));
        }
        int context = ex.intParam("context", 3, 0, 1000);
        ex.text(200, LineDiff.diffTrees(from == null ? Map.of() : from.tree(), to.tree(), context, ex.param("path")));
    }

    private void searchCode(Exchange ex, User me, Workspace ws) throws IOException {
        String query = ex.param("search_query");
        if (query == null || query.isBlank()) throw ApiError.badRequest("search_query: This field is required.");
        String repoFilter = null;
        List<String> terms = new ArrayList<>();
        for (String token : query.trim().split("\\s+")) {
            if (token.startsWith("repo:")) repoFilter = token.substring(5);
            else terms.add(token.replace("\"", ""));
        }
        if (terms.isEmpty()) throw ApiError.badRequest("search_query: give at least one search term.");
        String needle = String.join(" ", terms).toLowerCase(Locale.ROOT);
        List<ObjectNode> values = new ArrayList<>();
        for (Repository repo : state.repositoriesOf(me, ws.slug())) {
            if (repoFilter != null && !repo.slug.equals(repoFilter)) continue;
            Commit head = repo.commits.get(repo.branches.get(repo.mainBranch));
            for (Map.Entry<String, String> file : new java.util.TreeMap<>(head.tree()).entrySet()) {
                ObjectNode hit = searchHit(repo, head, file.getKey(), file.getValue(), needle);
                if (hit != null) values.add(hit);
            }
        }
        ObjectNode page = ex.page(values, 10, 100, apiBase, true);
        page.put("query_substituted", false);
        ex.json(200, page);
    }

    private ObjectNode searchHit(Repository repo, Commit head, String path, String content, String needle) {
        String[] lines = content.split("\n", -1);
        ArrayNode matches = Renderer.JSON.createArrayNode();
        int count = 0;
        for (int i = 0; i < lines.length; i++) {
            String lower = lines[i].toLowerCase(Locale.ROOT);
            int at = lower.indexOf(needle);
            if (at < 0) continue;
            count++;
            ObjectNode match = matches.addObject();
            ArrayNode lineArray = match.putArray("lines");
            ObjectNode line = lineArray.addObject().put("line", i + 1);
            ArrayNode segments = line.putArray("segments");
            if (at > 0) segments.addObject().put("text", lines[i].substring(0, at));
            segments.addObject()
                    .put("text", lines[i].substring(at, at + needle.length()))
                    .put("match", true);
            if (at + needle.length() < lines[i].length()) {
                segments.addObject().put("text", lines[i].substring(at + needle.length()));
            }
        }
        boolean pathMatch = path.toLowerCase(Locale.ROOT).contains(needle);
        if (count == 0 && !pathMatch) return null;
        ObjectNode hit = Renderer.JSON.createObjectNode().put("type", "code_search_result");
        hit.put("content_match_count", count);
        hit.set("content_matches", matches);
        ArrayNode pathMatches = hit.putArray("path_matches");
        pathMatches.addObject().put("text", path).put("match", pathMatch);
        ObjectNode file = hit.putObject("file").put("path", path).put("type", "commit_file");
        file.set("commit", render.commitRef(repo, head.hash()));
        ObjectNode links = file.putObject("links");
        links.putObject("self")
                .put("href", apiBase + "/repositories/" + repo.fullName() + "/src/" + head.hash() + "/" + path);
        return hit;
    }

    private List<User> users(JsonNode array) {
        List<User> out = new ArrayList<>();
        if (!array.isArray()) return out;
        for (JsonNode r : array) {
            String uuid = text(r.path("uuid"));
            String accountId = text(r.path("account_id"));
            User found = state.users.values().stream()
                    .filter(u -> u.uuid().equals(uuid) || u.accountId().equals(accountId))
                    .findFirst()
                    .orElseThrow(() -> ApiError.badRequest(
                            "reviewers: " + (uuid != null ? uuid : accountId) + " is not a valid user."));
            if (!out.contains(found)) out.add(found);
        }
        return out;
    }

    private static void require(Exchange ex, String scope) {
        if (!ex.caller.scopes().contains(scope)) {
            throw new ApiError(
                    403,
                    "Your credentials lack one or more required privilege scopes. Required: " + scope + "; granted: "
                            + String.join(", ", new TreeSet<>(ex.caller.scopes())) + ".");
        }
    }

    /** Bitbucket answers 400 to body-less POSTs that do not declare JSON (MatanYemini #73/#99/#105). */
    private static void requireJsonPost(Exchange ex) throws IOException {
        String type = ex.http.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw ApiError.badRequest("Unsupported Media Type: send {} with Content-Type: application/json.");
        }
        ex.body();
    }

    private static long parseId(String raw, String what) {
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw ApiError.notFound("No " + what + " with id '" + raw + "'.");
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isMissingNode() || node.isNull() ? null : node.asText();
    }
}
