package io.mcpguard.sandbox;

/** A pull-request comment; {@code inlinePath} set means it is anchored to a line of the diff. */
record Comment(
        long id,
        User author,
        String raw,
        String createdOn,
        Long parentId,
        String inlinePath,
        Integer inlineTo,
        Integer inlineFrom) {}
