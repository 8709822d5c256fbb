package io.mcpguard.proxy.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Set;

/**
 * The tools each subject was last allowed to see in each MCP session, from its latest {@code tools/list} decision.
 * A {@code tools/list} answer can reach the client on a stream other than the one its request opened (the server's
 * GET stream, a stream resumed with {@code Last-Event-ID}); such an answer is cut to this view, and to nothing when
 * there is none. Bounded in entries and idle time.
 */
public final class ToolViews {
    private record Key(String sessionId, String subjectId) {}

    private final Cache<Key, Set<String>> views;

    public ToolViews(long maxEntries) {
        this.views = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfterAccess(Duration.ofHours(1))
                .build();
    }

    public void remember(String sessionId, String subjectId, Set<String> visible) {
        views.put(new Key(String.valueOf(sessionId), subjectId), Set.copyOf(visible));
    }

    /** The last view of this subject in this session; empty (hide every tool) when there is none. */
    public Set<String> lastView(String sessionId, String subjectId) {
        Set<String> view = views.getIfPresent(new Key(String.valueOf(sessionId), subjectId));
        return view == null ? Set.of() : view;
    }
}
