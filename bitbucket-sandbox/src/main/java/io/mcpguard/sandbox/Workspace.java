package io.mcpguard.sandbox;

import java.util.List;

/** A Cloud workspace and the users who belong to it (slug = the {@code {workspace}} path segment). */
record Workspace(String slug, String name, String uuid, boolean isPrivate, List<String> members, String createdOn) {}
