package io.mcpguard.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A pull request's mutable state; every change goes through {@link SandboxState}, which holds the lock. */
final class PullRequest {
    final long id;
    String title;
    String description;
    String state = "OPEN";
    final User author;
    final String sourceBranch;
    String sourceCommit;
    final String destinationBranch;
    String destinationCommit;
    boolean closeSourceBranch;
    boolean draft;
    final String createdOn;
    String updatedOn;
    String mergeCommit;
    User closedBy;
    String reason = "";
    final List<User> reviewers = new ArrayList<>();
    /** Participant status by user id: {@code approved} or {@code changes_requested}. */
    final Map<String, String> reviews = new LinkedHashMap<>();

    final List<Comment> comments = new ArrayList<>();

    PullRequest(
            long id,
            String title,
            String description,
            User author,
            String sourceBranch,
            String sourceCommit,
            String destinationBranch,
            String destinationCommit,
            String createdOn) {
        this.id = id;
        this.title = title;
        this.description = description;
        this.author = author;
        this.sourceBranch = sourceBranch;
        this.sourceCommit = sourceCommit;
        this.destinationBranch = destinationBranch;
        this.destinationCommit = destinationCommit;
        this.createdOn = createdOn;
        this.updatedOn = createdOn;
    }
}
