package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * How two decision documents for the same input differ, as kinds of change: what shadow mode counts and {@code
 * mcpguard replay} reports.
 */
public final class DecisionDiff {
    /** Kinds of change, in the order they are reported. */
    public static final List<String> KINDS =
            List.of("allow_to_deny", "deny_to_allow", "reasons", "mask", "quota", "step_up", "lists");

    private DecisionDiff() {}

    /** The kinds of change from {@code before} to {@code after}; empty when they decide alike. */
    public static List<String> kinds(JsonNode before, JsonNode after) {
        List<String> kinds = new ArrayList<>();
        boolean allowedBefore = before.path("allow").asBoolean(false);
        boolean allowedAfter = after.path("allow").asBoolean(false);
        if (allowedBefore && !allowedAfter) {
            kinds.add("allow_to_deny");
        } else if (!allowedBefore && allowedAfter) {
            kinds.add("deny_to_allow");
        }
        if (!before.path("reasons").equals(after.path("reasons"))) {
            kinds.add("reasons");
        }
        if (!sorted(before.path("mask")).equals(sorted(after.path("mask")))) {
            kinds.add("mask");
        }
        if (!before.path("quota").equals(after.path("quota"))) {
            kinds.add("quota");
        }
        if (!before.path("obligations")
                .path("require_mfa")
                .equals(after.path("obligations").path("require_mfa"))) {
            kinds.add("step_up");
        }
        if (!before.path("lists").equals(after.path("lists"))) {
            kinds.add("lists");
        }
        return kinds;
    }

    private static List<String> sorted(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        values.sort(null);
        return values;
    }
}
