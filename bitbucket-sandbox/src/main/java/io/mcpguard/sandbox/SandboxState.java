package io.mcpguard.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the sandbox knows, and every state change Bitbucket would make (create, comment, approve, merge,
 * decline, delete a branch). One lock for all of it: the sandbox serves one demo, not a load test.
 */
final class SandboxState {
    static final String REPO_NOT_FOUND = "You may not have access to this repository or it no longer exists in this"
            + " workspace. If you think this repository exists and you have access, make sure you are authenticated.";

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);

    final Map<String, User> users = new LinkedHashMap<>();
    final List<Credential> credentials = new ArrayList<>();
    final Map<String, Workspace> workspaces = new LinkedHashMap<>();
    final Map<String, Repository> repositories = new LinkedHashMap<>();

    static String now() {
        return TIMESTAMP.format(Instant.now());
    }

    static String sha1(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }

    synchronized Optional<Credential> basic(String email, String token) {
        return credentials.stream()
                .filter(c -> c.apiToken() != null
                        && c.email().equalsIgnoreCase(email)
                        && c.apiToken().equals(token))
                .findFirst();
    }

    synchronized Optional<Credential> bearer(String token) {
        return credentials.stream()
                .filter(c -> c.accessToken() != null && c.accessToken().equals(token))
                .findFirst();
    }

    synchronized List<Workspace> workspacesOf(User user) {
        return workspaces.values().stream()
                .filter(w -> w.members().contains(user.id()))
                .toList();
    }

    synchronized Workspace workspace(User user, String slug) {
        Workspace ws = workspaces.get(slug);
        if (ws == null || !ws.members().contains(user.id())) {
            throw ApiError.notFound("No workspace with identifier '" + slug + "'.");
        }
        return ws;
    }

    synchronized List<Repository> repositoriesOf(User user, String workspace) {
        Workspace ws = workspace(user, workspace);
        return repositories.values().stream().filter(r -> r.workspace == ws).toList();
    }

    synchronized Repository repository(User user, String workspace, String slug) {
        Repository repo = repositories.get(workspace + "/" + slug);
        if (repo == null || !repo.workspace.members().contains(user.id())) {
            throw ApiError.notFound(REPO_NOT_FOUND);
        }
        return repo;
    }

    /** A branch name, a full hash or an unambiguous hash prefix, as Bitbucket accepts in {@code {commit}} slots. */
    synchronized Commit resolve(Repository repo, String revision) {
        String head = repo.branches.get(revision);
        if (head != null) return repo.commits.get(head);
        if (revision.length() >= 4 && revision.matches("[0-9a-f]+")) {
            List<Commit> matches = repo.commits.values().stream()
                    .filter(c -> c.hash().startsWith(revision))
                    .toList();
            if (matches.size() == 1) return matches.get(0);
        }
        throw ApiError.notFound("Commit not found");
    }

    /** Commits reachable from {@code tip}, newest first, like {@code GET /commits/{revision}}. */
    synchronized List<Commit> history(Repository repo, Commit tip) {
        Set<String> seen = new HashSet<>();
        Deque<String> pending = new ArrayDeque<>(List.of(tip.hash()));
        List<Commit> result = new ArrayList<>();
        while (!pending.isEmpty()) {
            String hash = pending.pop();
            if (!seen.add(hash)) continue;
            Commit c = repo.commits.get(hash);
            result.add(c);
            pending.addAll(c.parents());
        }
        result.sort(Comparator.comparing(Commit::date).reversed().thenComparing(Commit::hash));
        return result;
    }

    synchronized Commit mergeBase(Repository repo, Commit a, Commit b) {
        Set<String> ancestorsOfA = new HashSet<>();
        history(repo, a).forEach(c -> ancestorsOfA.add(c.hash()));
        Deque<String> pending = new ArrayDeque<>(List.of(b.hash()));
        Set<String> seen = new HashSet<>();
        while (!pending.isEmpty()) {
            String hash = pending.removeFirst();
            if (!seen.add(hash)) continue;
            if (ancestorsOfA.contains(hash)) return repo.commits.get(hash);
            pending.addAll(repo.commits.get(hash).parents());
        }
        return null;
    }

    synchronized Commit addCommit(
            Repository repo, List<String> parents, User author, String date, String message, Map<String, String> tree) {
        String hash = sha1(String.join(",", parents) + "\n" + author.rawAuthor() + "\n" + date + "\n" + message + "\n"
                + new TreeMap<>(tree));
        Commit commit =
                new Commit(hash, List.copyOf(parents), author.rawAuthor(), author, date, message, Map.copyOf(tree));
        repo.commits.put(hash, commit);
        repo.updatedOn = date;
        return commit;
    }

    synchronized PullRequest pullRequest(Repository repo, long id) {
        return repo.pullRequests.stream()
                .filter(p -> p.id == id)
                .findFirst()
                .orElseThrow(() -> ApiError.notFound("Pull request " + id + " does not exist."));
    }

    /** The tree of the PR's merge base and of its source head: what {@code /pullrequests/{id}/diff} compares. */
    synchronized List<Map<String, String>> pullRequestTrees(Repository repo, PullRequest pr) {
        Commit source = repo.commits.get(liveHead(repo, pr.sourceBranch, pr.sourceCommit, pr));
        Commit destination = repo.commits.get(liveHead(repo, pr.destinationBranch, pr.destinationCommit, pr));
        Commit base = Objects.requireNonNullElse(mergeBase(repo, source, destination), destination);
        return List.of(base.tree(), source.tree());
    }

    /** An open PR follows its branches; a closed one keeps the commits it was closed at. */
    synchronized String liveHead(Repository repo, String branch, String recorded, PullRequest pr) {
        String head = pr.state.equals("OPEN") ? repo.branches.get(branch) : null;
        return head != null ? head : recorded;
    }

    synchronized PullRequest createPullRequest(
            Repository repo,
            User author,
            String title,
            String description,
            String source,
            String destination,
            List<User> reviewers,
            boolean draft,
            boolean closeSourceBranch) {
        if (title == null || title.isBlank()) {
            throw ApiError.badRequest("title: This field is required.");
        }
        String destinationBranch = destination == null ? repo.mainBranch : destination;
        if (source == null || !repo.branches.containsKey(source)) {
            throw ApiError.badRequest("source: Branch not found: " + source);
        }
        if (!repo.branches.containsKey(destinationBranch)) {
            throw ApiError.badRequest("destination: Branch not found: " + destinationBranch);
        }
        if (source.equals(destinationBranch)) {
            throw ApiError.badRequest("You can't create a pull request from a branch to itself.");
        }
        for (PullRequest open : repo.pullRequests) {
            if (open.state.equals("OPEN")
                    && open.sourceBranch.equals(source)
                    && open.destinationBranch.equals(destinationBranch)) {
                throw ApiError.badRequest("There is already an open pull request from " + source + " to "
                        + destinationBranch + " (#" + open.id + ").");
            }
        }
        if (reviewers.contains(author)) {
            throw ApiError.badRequest(
                    "reviewers: " + author.displayName() + " is the author and cannot be included as a reviewer.");
        }
        PullRequest pr = new PullRequest(
                repo.nextPullRequestId(),
                title,
                description == null ? "" : description,
                author,
                source,
                repo.branches.get(source),
                destinationBranch,
                repo.branches.get(destinationBranch),
                now());
        pr.reviewers.addAll(reviewers);
        pr.draft = draft;
        pr.closeSourceBranch = closeSourceBranch;
        repo.pullRequests.add(pr);
        return pr;
    }

    synchronized void updatePullRequest(
            PullRequest pr,
            String title,
            String description,
            List<User> reviewers,
            String destination,
            Repository repo) {
        if (!pr.state.equals("OPEN")) {
            throw ApiError.badRequest("You can't edit a pull request that is " + pr.state.toLowerCase() + ".");
        }
        if (title != null) {
            if (title.isBlank()) throw ApiError.badRequest("title: This field may not be blank.");
            pr.title = title;
        }
        if (description != null) pr.description = description;
        if (reviewers != null) {
            if (reviewers.contains(pr.author)) {
                throw ApiError.badRequest("reviewers: " + pr.author.displayName()
                        + " is the author and cannot be included as a reviewer.");
            }
            pr.reviewers.clear();
            pr.reviewers.addAll(reviewers);
        }
        if (destination != null) {
            if (!repo.branches.containsKey(destination)) {
                throw ApiError.badRequest("destination: Branch not found: " + destination);
            }
        }
        pr.updatedOn = now();
    }

    synchronized Comment addComment(
            Repository repo,
            PullRequest pr,
            User author,
            String raw,
            Long parentId,
            String inlinePath,
            Integer to,
            Integer from) {
        if (raw == null || raw.isBlank()) throw ApiError.badRequest("content.raw: This field is required.");
        if (parentId != null && pr.comments.stream().noneMatch(c -> c.id() == parentId)) {
            throw ApiError.badRequest("parent: Comment " + parentId + " does not exist on this pull request.");
        }
        if (inlinePath != null) {
            List<Map<String, String>> trees = pullRequestTrees(repo, pr);
            if (!trees.get(0).containsKey(inlinePath) && !trees.get(1).containsKey(inlinePath)) {
                throw ApiError.badRequest("inline.path: " + inlinePath + " is not part of this pull request.");
            }
        }
        Comment comment = new Comment(repo.nextCommentId++, author, raw, now(), parentId, inlinePath, to, from);
        pr.comments.add(comment);
        pr.updatedOn = comment.createdOn();
        return comment;
    }

    synchronized void review(PullRequest pr, User user, String status) {
        if (!pr.state.equals("OPEN")) {
            throw ApiError.badRequest("You can't review a pull request that is " + pr.state.toLowerCase() + ".");
        }
        if (user.equals(pr.author) && status != null) {
            throw ApiError.badRequest("You can't approve or request changes on your own pull request.");
        }
        if (status == null) {
            pr.reviews.remove(user.id());
        } else {
            pr.reviews.put(user.id(), status);
        }
        pr.updatedOn = now();
    }

    synchronized void merge(
            Repository repo, PullRequest pr, User user, String strategy, String message, Boolean closeSource) {
        if (!pr.state.equals("OPEN")) {
            throw new ApiError(409, "You can't merge a pull request that is already " + pr.state.toLowerCase() + ".");
        }
        String destinationHead = repo.branches.get(pr.destinationBranch);
        String sourceHead = repo.branches.get(pr.sourceBranch);
        if (destinationHead == null || sourceHead == null) {
            throw ApiError.badRequest("The source or destination branch of this pull request no longer exists.");
        }
        Commit destination = repo.commits.get(destinationHead);
        Commit source = repo.commits.get(sourceHead);
        Commit base = mergeBase(repo, destination, source);
        String chosen = strategy == null ? "merge_commit" : strategy;
        Commit result;
        switch (chosen) {
            case "fast_forward" -> {
                if (base == null || !base.hash().equals(destination.hash())) {
                    throw ApiError.badRequest("Fast-forward merge is not possible: " + pr.destinationBranch
                            + " has diverged from " + pr.sourceBranch + ". Use merge_commit or squash.");
                }
                result = source;
            }
            case "merge_commit", "squash" -> {
                Map<String, String> tree = mergedTree(base, destination, source);
                String text = message != null
                        ? message
                        : chosen.equals("squash")
                                ? pr.title + " (pull request #" + pr.id + ")"
                                : "Merged in " + pr.sourceBranch + " (pull request #" + pr.id + ")\n\n" + pr.title;
                List<String> parents =
                        chosen.equals("squash") ? List.of(destinationHead) : List.of(destinationHead, sourceHead);
                result = addCommit(repo, parents, user, now(), text, tree);
            }
            default ->
                throw ApiError.badRequest(
                        "merge_strategy: '" + chosen + "' is not one of merge_commit, squash, fast_forward.");
        }
        repo.branches.put(pr.destinationBranch, result.hash());
        pr.state = "MERGED";
        pr.sourceCommit = sourceHead;
        pr.destinationCommit = destinationHead;
        pr.mergeCommit = result.hash();
        pr.closedBy = user;
        pr.updatedOn = now();
        boolean close = closeSource != null ? closeSource : pr.closeSourceBranch;
        pr.closeSourceBranch = close;
        if (close && !pr.sourceBranch.equals(repo.mainBranch)) {
            repo.branches.remove(pr.sourceBranch);
        }
    }

    static Map<String, String> mergedTree(Commit base, Commit destination, Commit source) {
        Map<String, String> baseTree = base == null ? Map.of() : base.tree();
        Map<String, String> tree = new LinkedHashMap<>(destination.tree());
        Set<String> paths = new HashSet<>(baseTree.keySet());
        paths.addAll(source.tree().keySet());
        for (String path : paths) {
            String theirs = source.tree().get(path);
            String ancestor = baseTree.get(path);
            if (Objects.equals(theirs, ancestor)) continue;
            String ours = destination.tree().get(path);
            if (!Objects.equals(ours, ancestor) && !Objects.equals(ours, theirs)) {
                throw new ApiError(409, "Merge conflict in " + path + ". Resolve it on the source branch first.");
            }
            if (theirs == null) tree.remove(path);
            else tree.put(path, theirs);
        }
        return tree;
    }

    synchronized void decline(PullRequest pr, User user) {
        if (!pr.state.equals("OPEN")) {
            throw new ApiError(409, "You can't decline a pull request that is already " + pr.state.toLowerCase() + ".");
        }
        pr.state = "DECLINED";
        pr.closedBy = user;
        pr.updatedOn = now();
    }

    synchronized void deleteBranch(Repository repo, String name) {
        if (!repo.branches.containsKey(name)) throw ApiError.notFound("Branch not found: " + name);
        if (name.equals(repo.mainBranch)) {
            throw ApiError.badRequest("You can't delete the main branch (" + name + ") of " + repo.fullName() + ".");
        }
        repo.branches.remove(name);
        repo.updatedOn = now();
    }
}
