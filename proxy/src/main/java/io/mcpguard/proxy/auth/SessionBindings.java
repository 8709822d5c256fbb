package io.mcpguard.proxy.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.LinkedHashSet;

/**
 * Which subject created each MCP session. MCP session ids are not authentication (security best practices,
 * "Session hijacking"): every request is authenticated anyway, and a session may only be used by the subject that
 * created it. Bounded and expiring: a binding lives {@code auth.sessions.ttl} after its last use, and at most
 * {@code auth.sessions.max} are kept (an evicted session is answered 404, which MCP clients meet by
 * re-initializing). One subject holds at most {@code budgets.per-subject.sessions}: a new one past that ends the
 * subject's own oldest, so a subject that initializes in a loop churns its own sessions, never other users'.
 */
public final class SessionBindings {
    /** What a presented session id is to the subject presenting it. */
    enum Standing {
        OWNED,
        UNKNOWN,
        FOREIGN
    }

    private final Cache<String, String> owners;
    private final int perSubject;
    /**
     * Each subject's sessions, oldest first, pruned of ended ones when read. Expires like the sessions (a subject
     * that binds none for the TTL starts counting afresh), so it holds no subject forever. Guarded by this object.
     */
    private final Cache<String, LinkedHashSet<String>> byOwner;

    public SessionBindings(Duration ttl, int max) {
        this(ttl, max, max);
    }

    public SessionBindings(Duration ttl, int max, int perSubject) {
        this.perSubject = perSubject;
        this.owners =
                Caffeine.newBuilder().expireAfterAccess(ttl).maximumSize(max).build();
        this.byOwner =
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
    synchronized String bind(String sessionId, String bindingKey) {
        String previous = owners.asMap().putIfAbsent(sessionId, bindingKey);
        if (previous != null) {
            return previous.equals(bindingKey) ? null : previous;
        }
        LinkedHashSet<String> sessions = live(bindingKey);
        sessions.add(sessionId);
        while (sessions.size() > perSubject) {
            String oldest = sessions.iterator().next();
            sessions.remove(oldest);
            owners.invalidate(oldest);
        }
        return null;
    }

    /** How many sessions are bound to {@code bindingKey} now. */
    synchronized int sessionsOf(String bindingKey) {
        return live(bindingKey).size();
    }

    /** The subject's sessions still bound (expired and evicted ones dropped), without touching their access time. */
    private LinkedHashSet<String> live(String bindingKey) {
        LinkedHashSet<String> sessions = byOwner.get(bindingKey, k -> new LinkedHashSet<>());
        sessions.removeIf(session -> owners.policy().getIfPresentQuietly(session) == null);
        return sessions;
    }

    synchronized void end(String sessionId, String bindingKey) {
        if (owners.asMap().remove(sessionId, bindingKey)) {
            LinkedHashSet<String> sessions = byOwner.getIfPresent(bindingKey);
            if (sessions != null) {
                sessions.remove(sessionId);
            }
        }
    }
}
