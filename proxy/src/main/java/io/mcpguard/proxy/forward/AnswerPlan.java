package io.mcpguard.proxy.forward;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the answer path must do to the answer of one forwarded body, keyed by JSON-RPC request id ({@link
 * #idKey(JsonNode)}): which {@code tools/list} results to cut down to the tools the policy lets the caller see, and
 * which data classes to mask in which result. Masks travel here from the decision; applying them is the masking
 * stage's job.
 *
 * @param visibleTools for each {@code tools/list} request id, the tool names its result may keep
 * @param masks for each request id whose decision asked for masking, the policy data classes to mask
 * @param tenant the tenant of the subject who sent the body, whose key the hash style uses; may be null
 */
public record AnswerPlan(Map<String, Set<String>> visibleTools, Map<String, List<String>> masks, String tenant) {
    public static final AnswerPlan NONE = new AnswerPlan(Map.of(), Map.of(), null);

    public AnswerPlan {
        visibleTools = Map.copyOf(visibleTools);
        masks = Map.copyOf(masks);
    }

    public AnswerPlan(Map<String, Set<String>> visibleTools, Map<String, List<String>> masks) {
        this(visibleTools, masks, null);
    }

    /** The map key of a request id: its JSON text, so the number 1 and the string "1" stay apart. */
    public static String idKey(JsonNode id) {
        return id == null ? "null" : id.toString();
    }

    public boolean rewritesToolLists() {
        return !visibleTools.isEmpty();
    }
}
