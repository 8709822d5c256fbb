package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Reads a decision document ({@code policies/schema/decision.schema.jsonc}) into a {@link Decision}.
 *
 * <p>Members may be absent (a minimal policy returns only {@code allow} and {@code reasons}) and then mean "nothing
 * to do". A member that is present but malformed is not guessed at: the proxy cannot enforce a quota or a mask it
 * cannot read, so the whole decision is refused as unusable, which denies.
 */
final class DecisionReader {
    private DecisionReader() {}

    static Decision read(JsonNode result, String decisionId, String revision) {
        if (result == null || !result.isObject()) {
            throw new PolicyUnavailableException("policy decision has no boolean \"allow\"");
        }
        JsonNode allow = result.get("allow");
        if (allow == null || !allow.isBoolean()) {
            throw new PolicyUnavailableException("policy decision has no boolean \"allow\"");
        }
        return new Decision(
                allow.asBoolean(),
                texts(result.get("reasons"), "reasons", true),
                texts(result.get("mask"), "mask", false),
                quota(result.get("quota")),
                stepUp(result.path("obligations").get("require_mfa")),
                auditLevel(result.path("obligations").get("audit_level")),
                cacheTtl(result.get("cache_ttl_ms")),
                visibleTools(result.get("lists")),
                // OPA's id when its decision log is on; else the proxy's own, so that every -32001 names a decision
                // that mcpguard explain can find in the policy recording.
                decisionId != null ? decisionId : "mcpguard-" + UUID.randomUUID(),
                revision,
                result,
                null,
                patterns(result.get("lists"), "prompts"),
                patterns(result.get("lists"), "resources"));
    }

    /** Reasons tolerate non-text entries (skipped): they only explain; everything else must be exact. */
    private static List<String> texts(JsonNode node, String name, boolean lenient) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw unusable("member \"" + name + "\" is not an array");
        }
        for (JsonNode item : node) {
            if (item.isTextual()) {
                out.add(item.asText());
            } else if (!lenient) {
                throw unusable("member \"" + name + "\" holds a non-string");
            }
        }
        return out;
    }

    private static Decision.QuotaSpec quota(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        JsonNode key = node.get("key");
        long limit = positive(node.get("limit"), "quota.limit", false);
        long window = positive(node.get("window_ms"), "quota.window_ms", false);
        long cost = node.has("cost") ? positive(node.get("cost"), "quota.cost", false) : 1;
        if (key == null || !key.isTextual() || key.asText().isEmpty()) {
            throw unusable("member \"quota.key\" is not a non-empty string");
        }
        return new Decision.QuotaSpec(key.asText(), limit, window, cost, onStoreFailure(node.get("on_store_failure")));
    }

    /** Absent means deny: a policy that says nothing never opens the quota when the store fails. */
    private static Decision.StoreFailureMode onStoreFailure(JsonNode node) {
        if (node == null || node.isNull()) {
            return Decision.StoreFailureMode.DENY;
        }
        if (node.isTextual() && node.asText().equals("deny")) {
            return Decision.StoreFailureMode.DENY;
        }
        if (node.isTextual() && node.asText().equals("local")) {
            return Decision.StoreFailureMode.LOCAL;
        }
        throw unusable("member \"quota.on_store_failure\" is not deny or local");
    }

    private static Decision.StepUp stepUp(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw unusable("member \"obligations.require_mfa\" is not an object");
        }
        return new Decision.StepUp(
                texts(node.get("amr_any"), "obligations.require_mfa.amr_any", false),
                positive(node.get("max_age_s"), "obligations.require_mfa.max_age_s", true));
    }

    private static String auditLevel(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : "normal";
    }

    private static long cacheTtl(JsonNode node) {
        return node == null || node.isNull() ? 0 : positive(node, "cache_ttl_ms", true);
    }

    private static Set<String> visibleTools(JsonNode lists) {
        if (lists == null || lists.isNull()) {
            return null;
        }
        JsonNode tools = lists.get("tools");
        if (tools == null || tools.isNull()) {
            return null;
        }
        return new LinkedHashSet<>(texts(tools, "lists.tools", false));
    }

    private static ListPatterns patterns(JsonNode lists, String kind) {
        if (lists == null || lists.isNull()) {
            return null;
        }
        JsonNode patterns = lists.get(kind);
        if (patterns == null || patterns.isNull()) {
            return null;
        }
        return new ListPatterns(texts(patterns, "lists." + kind, false));
    }

    private static long positive(JsonNode node, String name, boolean zeroAllowed) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            throw unusable("member \"" + name + "\" is not an integer");
        }
        long value = node.asLong();
        if (value < 0 || (value == 0 && !zeroAllowed)) {
            throw unusable("member \"" + name + "\" is out of range");
        }
        return value;
    }

    private static PolicyUnavailableException unusable(String why) {
        return new PolicyUnavailableException("policy decision " + why);
    }
}
