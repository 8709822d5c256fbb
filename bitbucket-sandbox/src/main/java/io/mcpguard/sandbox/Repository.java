package io.mcpguard.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A repository: its commits (by hash), branch heads, pull requests and the counters Bitbucket assigns ids from. */
final class Repository {
    final Workspace workspace;
    final String slug;
    final String name;
    final String description;
    final String language;
    final boolean isPrivate;
    final String uuid;
    final String createdOn;
    String updatedOn;
    String mainBranch;
    final Map<String, Commit> commits = new LinkedHashMap<>();
    final Map<String, String> branches = new LinkedHashMap<>();
    final List<PullRequest> pullRequests = new ArrayList<>();
    long nextCommentId;

    Repository(
            Workspace workspace,
            String slug,
            String name,
            String description,
            String language,
            boolean isPrivate,
            String uuid,
            String createdOn,
            String mainBranch,
            long firstCommentId) {
        this.workspace = workspace;
        this.slug = slug;
        this.name = name;
        this.description = description;
        this.language = language;
        this.isPrivate = isPrivate;
        this.uuid = uuid;
        this.createdOn = createdOn;
        this.updatedOn = createdOn;
        this.mainBranch = mainBranch;
        this.nextCommentId = firstCommentId;
    }

    String fullName() {
        return workspace.slug() + "/" + slug;
    }

    long nextPullRequestId() {
        return pullRequests.stream().mapToLong(p -> p.id).max().orElse(0) + 1;
    }
}
