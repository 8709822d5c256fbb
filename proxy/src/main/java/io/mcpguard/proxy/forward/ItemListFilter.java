package io.mcpguard.proxy.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.policy.ListPatterns;

/**
 * Cuts {@code prompts/list}, {@code resources/list} and {@code resources/templates/list} results down to the items
 * the policy lets the caller see: an item stays only when it is an object whose name ({@code name}, {@code uri},
 * {@code uriTemplate}) is a string the decision's patterns match ({@link ListPatterns}). An item the decision cannot
 * place (no name, a name that is no string, no object at all) is hidden, never passed. The rest of the result
 * ({@code nextCursor}, {@code _meta}, {@code ttlMs}, {@code cacheScope}) is kept as the server sent it.
 *
 * <p>A response that carries such a list but answers no request this exchange decided (on a server stream, or with
 * an id the server echoed differently) has no decision to place its items: every item is hidden. Hiding is a
 * courtesy, not the enforcement: {@code prompts/get}, {@code resources/read} and {@code resources/subscribe} are
 * decided item by item, so a client that names a hidden item is still refused.
 */
final class ItemListFilter {
    /** What {@link #rewrite} returns for a message that is no list answer it cuts. */
    static final int NOT_A_LIST = -1;

    private final AnswerPlan plan;

    ItemListFilter(AnswerPlan plan) {
        this.plan = plan;
    }

    /**
     * Cuts, in place, the list in {@code response} if it answers a planned list request or no decided request at
     * all; returns how many items were hidden, or {@link #NOT_A_LIST}.
     */
    int rewrite(ObjectNode response) {
        if (response.has("method") || !response.has("id") || !(response.get("result") instanceof ObjectNode result)) {
            return NOT_A_LIST;
        }
        String key = AnswerPlan.idKey(response.get("id"));
        AnswerPlan.ListCut cut = plan.itemLists().get(key);
        if (cut != null) {
            return cut(result, cut.kind(), cut.visible());
        }
        if (plan.decides(key)) { // the answer to another request of this exchange: not a list to cut
            return NOT_A_LIST;
        }
        int hidden = NOT_A_LIST;
        for (ListKind kind : ListKind.values()) {
            if (result.has(kind.member())) {
                hidden = Math.max(hidden, 0) + cut(result, kind, ListPatterns.NONE);
            }
        }
        return hidden;
    }

    /** Keeps the items of {@code kind} that {@code visible} matches; returns how many it removed. */
    private static int cut(ObjectNode result, ListKind kind, ListPatterns visible) {
        JsonNode items = result.get(kind.member());
        if (items == null) {
            return 0;
        }
        if (!(items instanceof ArrayNode array)) { // no list a client can read as one: nothing of it is shown
            result.putArray(kind.member());
            return 1;
        }
        int hidden = 0;
        for (int i = array.size() - 1; i >= 0; i--) {
            JsonNode name = array.get(i).get(kind.key());
            if (name == null || !name.isTextual() || !visible.matches(name.asText())) {
                array.remove(i);
                hidden++;
            }
        }
        return hidden;
    }
}
