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
 * @param masks for each request id whose decision asked for masking, the data classes to mask
 * @param anyList for a stream whose requests this exchange did not carry (the GET stream, a stream resumed with
 *     {@code Last-Event-ID}), the tools any {@code tools/list} result on it may keep; null when not such a stream
 */
public record AnswerPlan(Map<String, Set<String>> visibleTools, Map<String, List<String>> masks, Set<String> anyList) {
    public static final AnswerPlan NONE = new AnswerPlan(Map.of(), Map.of(), null);

    public AnswerPlan {
        visibleTools = Map.copyOf(visibleTools);
        masks = Map.copyOf(masks);
        anyList = anyList == null ? null : Set.copyOf(anyList);
    }

    public AnswerPlan(Map<String, Set<String>> visibleTools, Map<String, List<String>> masks) {
        this(visibleTools, masks, null);
    }

    /**
     * For a server stream: a {@code tools/list} result can arrive on it (a resumed answer) though the request that
     * asked was decided in another exchange, so every such result is cut to {@code visible}.
     */
    public static AnswerPlan forStream(Set<String> visible) {
        return new AnswerPlan(Map.of(), Map.of(), visible);
    }

    /** The map key of a request id: its JSON text, so the number 1 and the string "1" stay apart. */
    public static String idKey(JsonNode id) {
        return id == null ? "null" : id.toString();
    }

    public boolean rewritesToolLists() {
        return !visibleTools.isEmpty() || anyList != null;
    }
}
