package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * What the guarded server declared about its tools in its {@code tools/list} answers: the MCP {@code annotations}
 * and the data classes it names under {@code _meta["io.mcpguard/data-classes"]}. The policy receives them as
 * {@code input.tool}; it may only tighten with them (a server cannot declare a write tool read-only and so lower
 * its class), which is why learning them from the server is safe.
 *
 * <p>Bounded: a server listing more tools than {@code maxTools} keeps the most recent.
 */
public final class DeclaredTools {
    static final String DATA_CLASSES_META = "io.mcpguard/data-classes";

    private final Cache<String, JsonNode> tools;

    public DeclaredTools(long maxTools) {
        this.tools = Caffeine.newBuilder().maximumSize(maxTools).build();
    }

    /** Learns from one {@code tools/list} result's {@code tools} array (unfiltered, as the server sent it). */
    public void learn(JsonNode toolArray) {
        if (toolArray == null || !toolArray.isArray()) {
            return;
        }
        for (JsonNode tool : toolArray) {
            JsonNode name = tool.get("name");
            if (name == null || !name.isTextual()) {
                continue;
            }
            ObjectNode facts = JsonNodeFactory.instance.objectNode();
            JsonNode annotations = tool.get("annotations");
            facts.set("annotations", annotations != null && annotations.isObject() ? annotations.deepCopy() : null);
            JsonNode classes = tool.path("_meta").get(DATA_CLASSES_META);
            facts.set(
                    "data_classes",
                    classes != null && classes.isArray() ? classes.deepCopy() : JsonNodeFactory.instance.arrayNode());
            tools.put(name.asText(), facts);
        }
    }

    /** The facts declared for {@code name}, or null when the server has not listed it. */
    public JsonNode declared(String name) {
        return name == null ? null : tools.getIfPresent(name);
    }
}
