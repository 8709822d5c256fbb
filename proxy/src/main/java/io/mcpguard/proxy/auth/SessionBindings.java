package io.mcpguard.proxy.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Which subject created each MCP session. MCP session ids are not authentication (security best practices,
 * "Session hijacking"): every request is authenticated anyway, and a session may only be used by the subject that
 * created it. Bounded and expiring: a binding lives {@code auth.sessions.ttl} after its last use, and at most
 * {@code auth.sessions.max} are kept (an evicted session is answered 404, which MCP clients meet by
 * re-initializing).
 */
public final class SessionBindings {
    /** What a presented session id is to the subject presenting it. */
    enum Standing {
        OWNED,
        UNKNOWN,
        FOREIGN
    }

    private final Cache<String, String> owners;

    public SessionBindings(Duration ttl, int max) {
        this.owners =
                Caffeine.newBuilder().expireAfterAccess(ttl).maximumSize(max).build();
    }

    Standing standing(String sessionId, String bindingKey) {
        String owner = owners.getIfPresent(sessionId);
        if (owner == null) {
            return Standing.UNKNOWN;
        }
        return owner.equals(bindingKey) ? Standing.OWNED : Standing.FOREIGN;
    }

    /** Binds a session the upstream just created; returns the other owner if it was already bound, else null. */
    String bind(String sessionId, String bindingKey) {
        String previous = owners.asMap().putIfAbsent(sessionId, bindingKey);
        return previous == null || previous.equals(bindingKey) ? null : previous;
    }

    void end(String sessionId, String bindingKey) {
        owners.asMap().remove(sessionId, bindingKey);
    }
}
