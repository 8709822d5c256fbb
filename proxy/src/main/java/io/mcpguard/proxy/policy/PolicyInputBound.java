package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/**
 * How much of a message the policy may be made to read: its parameters (a tool call's arguments among them) within
 * {@code limits.max-argument-bytes}, {@code -depth} and {@code -members}, far below the body limit. Parameters
 * are classified, copied, hashed for the decision cache and sent to the policy engine whole; without this bound a
 * few callers sending megabytes of arguments — to any tool, even an unknown one — use up the engine's connections
 * and time budget, and every subject's decisions fail closed. Over it, the message is denied before any of that.
 *
 * <p>The size counted is that of the parameters as JSON text (strings by their UTF-16 length, which bounds their
 * UTF-8 size from below by at most a factor of three), found in one walk that stops as soon as a bound is passed.
 */
public final class PolicyInputBound {
    private final ProxyConfig.ArgumentBound bound;

    public PolicyInputBound(ProxyConfig.ArgumentBound bound) {
        this.bound = bound;
    }

    /** Why the message is beyond the bound, as the caller may read it; null when it is within. */
    public String exceededBy(JsonRpcMessage message) {
        JsonNode params = message.params();
        if (params == null) {
            return null;
        }
        long size = 0;
        long members = 0;
        ArrayDeque<Level> stack = new ArrayDeque<>();
        stack.push(new Level(params, 1));
        while (!stack.isEmpty()) {
            Level level = stack.pop();
            JsonNode node = level.node();
            if (level.depth() > bound.maxDepth()) {
                return "parameters nest deeper than " + bound.maxDepth() + " levels";
            }
            if (node.isObject()) {
                size += 2;
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> member = it.next();
                    size += member.getKey().length() + 4;
                    members++;
                    stack.push(new Level(member.getValue(), level.depth() + 1));
                }
            } else if (node.isArray()) {
                size += 2;
                for (JsonNode element : node) {
                    size += 1;
                    members++;
                    stack.push(new Level(element, level.depth() + 1));
                }
            } else if (node.isTextual()) {
                size += node.textValue().length() + 2;
            } else {
                size += node.asText().length();
            }
            if (members > bound.maxMembers()) {
                return "parameters hold more than " + bound.maxMembers() + " values";
            }
            if (size > bound.maxBytes()) {
                return "parameters are larger than " + bound.maxBytes() + " bytes";
            }
        }
        return null;
    }

    private record Level(JsonNode node, int depth) {}
}
