package io.mcpguard.proxy.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.policy.DeclaredTools;
import java.util.Set;

/**
 * Cuts a {@code tools/list} result down to the tools the policy lets the caller see ({@code decision.lists.tools}).
 * Hiding is a courtesy, not the enforcement: every {@code tools/call} is decided on its own, so a client that calls
 * a hidden tool by name is still refused.
 *
 * <p>Before filtering, the unfiltered list teaches {@link DeclaredTools} what the server declared about each tool;
 * with {@code upstream.tool-pins.mode: pin}, a tool whose definition is not the pinned one is dropped too.
 */
final class ToolListFilter {
    /** What {@link #rewrite} returns for a message that answers no planned {@code tools/list}. */
    static final int NOT_A_LIST = -1;

    private final AnswerPlan plan;
    private final DeclaredTools declared;

    ToolListFilter(AnswerPlan plan, DeclaredTools declared) {
        this.plan = plan;
        this.declared = declared;
    }

    /**
     * Rewrites in place every response in {@code message} (one response object, or a batch array) that answers a
     * planned {@code tools/list}; returns how many tools were hidden, or {@link #NOT_A_LIST} when nothing was a
     * planned answer.
     */
    int rewrite(JsonNode message) {
        if (message instanceof ArrayNode batch) {
            int hidden = NOT_A_LIST;
            for (JsonNode element : batch) {
                int some = rewrite(element);
                if (some != NOT_A_LIST) {
                    hidden = Math.max(hidden, 0) + some;
                }
            }
            return hidden;
        }
        if (!(message instanceof ObjectNode response) || !response.has("id")) {
            return NOT_A_LIST;
        }
        Set<String> visible = plan.visibleTools().get(AnswerPlan.idKey(response.get("id")));
        if (visible == null && plan.anyList() != null && response.path("result").get("tools") instanceof ArrayNode) {
            visible = plan.anyList();
        }
        if (visible == null) {
            return NOT_A_LIST;
        }
        int hidden = 0;
        if (response.get("result") instanceof ObjectNode result && result.get("tools") instanceof ArrayNode tools) {
            declared.learn(tools);
            for (int i = tools.size() - 1; i >= 0; i--) {
                JsonNode name = tools.get(i).get("name");
                if (name == null
                        || !name.isTextual()
                        || !visible.contains(name.asText())
                        || declared.hidden(tools.get(i))) {
                    tools.remove(i);
                    hidden++;
                }
            }
        }
        return hidden;
    }
}
