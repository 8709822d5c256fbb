package io.mcpguard.proxy.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * Gives a legacy-era server's result the shape a 2026-07-28 client requires of it, for a request the proxy bridged:
 * every result names its {@code resultType}, and the results a client may cache say for how long and for whom. A
 * legacy server states neither, and its answers are cut and masked per subject, so the proxy states the narrowest:
 * {@code ttlMs: 0} and {@code cacheScope: private} (nothing shared across users, nothing kept). Errors pass as they
 * are; they carry no result.
 */
final class ModernResults {
    /** The methods whose 2026-07-28 results carry cache hints. */
    static final Set<String> CACHEABLE = Set.of(
            "tools/list",
            "prompts/list",
            "resources/list",
            "resources/templates/list",
            "resources/read",
            "server/discover");

    private ModernResults() {}

    /**
     * Narrows a result's {@code cacheScope} to {@code private}, whatever the server said: every answer through the
     * proxy is cut and masked for one subject, so a cache shared across users (what {@code public} allows) could hand
     * an administrator's unmasked answer, or one subject's list of tools, to another. Returns whether it changed.
     */
    static boolean privateCache(ObjectNode response) {
        if (response.get("result") instanceof ObjectNode result
                && result.has("cacheScope")
                && !"private".equals(result.get("cacheScope").asText(null))) {
            result.put("cacheScope", "private");
            return true;
        }
        return false;
    }

    /** Reshapes the result of {@code response}, an answer to a bridged {@code method}; returns whether it changed. */
    static boolean reshape(ObjectNode response, String method) {
        if (!(response.get("result") instanceof ObjectNode result)) {
            return false;
        }
        boolean changed = false;
        if (!result.has("resultType")) {
            result.put("resultType", "complete");
            changed = true;
        }
        if (CACHEABLE.contains(method)
                && "complete".equals(result.path("resultType").asText())) {
            JsonNode ttl = result.get("ttlMs");
            if (ttl == null || !ttl.canConvertToLong() || !ttl.isIntegralNumber() || ttl.asLong() < 0) {
                result.put("ttlMs", 0);
                changed = true;
            }
            String scope = result.path("cacheScope").asText("");
            if (!result.path("cacheScope").isTextual() || !(scope.equals("private") || scope.equals("public"))) {
                result.put("cacheScope", "private");
                changed = true;
            }
        }
        return changed;
    }
}
