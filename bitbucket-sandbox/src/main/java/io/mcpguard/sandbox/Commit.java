package io.mcpguard.sandbox;

import java.util.List;
import java.util.Map;

/**
 * An immutable commit with the full tree it produced. The sandbox keeps whole snapshots (the data is small), so
 * reading a file at any commit and diffing two commits need no history walk.
 */
record Commit(
        String hash,
        List<String> parents,
        String authorRaw,
        User author,
        String date,
        String message,
        Map<String, String> tree) {}
