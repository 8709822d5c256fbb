package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the guarded server declared about its tools in its {@code tools/list} answers: the MCP {@code annotations}
 * and the data classes it names under {@code _meta["io.mcpguard/data-classes"]}. The policy receives them as
 * {@code input.tool}; it may only tighten with them (a server cannot declare a write tool read-only and so lower
 * its class), which is why learning them from the server is safe.
 *
 * <p>Each definition is also fingerprinted ({@link ToolDefinition}), compared with the team's pins ({@link
 * ToolPins}) and scanned for injection markers ({@link DescriptionFindings}); the policy reads those as {@code
 * input.tool.definition_sha256}, {@code pin} and {@code description_findings}. Those facts are the proxy's own, not
 * the server's word.
 *
 * <p>Bounded: a server listing more tools than {@code maxTools} keeps the most recent.
 */
public final class DeclaredTools {
    private static final Logger log = LoggerFactory.getLogger(DeclaredTools.class);
    static final String DATA_CLASSES_META = "io.mcpguard/data-classes";

    private final Cache<String, JsonNode> tools;
    /** Per tool, the parameters it mirrors into {@code Mcp-Param-*} headers ({@link ParamHeaders}). */
    private final Cache<String, Map<String, List<String>>> paramHeaders;

    private final ToolPins pins;
    /** Definitions already reported as drifted or unpinned: one WARN per definition, not per listing. */
    private final Cache<String, Boolean> reported;

    public DeclaredTools(long maxTools) {
        this(maxTools, ToolPins.off());
    }

    public DeclaredTools(long maxTools, ToolPins pins) {
        this.tools = Caffeine.newBuilder().maximumSize(maxTools).build();
        this.paramHeaders = Caffeine.newBuilder().maximumSize(maxTools).build();
        this.reported = Caffeine.newBuilder().maximumSize(maxTools).build();
        this.pins = pins;
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
            String canonical = ToolDefinition.canonicalText(tool);
            String fingerprint = ToolDefinition.fingerprintOf(canonical);
            facts.put("definition_sha256", fingerprint);
            ArrayNode findings = facts.putArray("description_findings");
            DescriptionFindings.of(canonical).forEach(findings::add);
            if (pins.mode() == ToolPins.Mode.OFF) {
                facts.putNull("pin");
            } else {
                ToolPins.Status status = pins.status(name.asText(), fingerprint);
                facts.putObject("pin").put("mode", pins.mode().wireName()).put("status", status.wireName());
                if (status != ToolPins.Status.MATCH) {
                    report(name.asText(), fingerprint, status);
                }
            }
            tools.put(name.asText(), facts);
            paramHeaders.put(name.asText(), ParamHeaders.of(tool.get("inputSchema")));
        }
    }

    /**
     * The parameters {@code name} mirrors into {@code Mcp-Param-*} headers, by lower-cased header name: empty for a
     * tool that declares none, null for one no listing through this proxy has shown.
     */
    public Map<String, List<String>> paramHeaders(String name) {
        return name == null ? null : paramHeaders.getIfPresent(name);
    }

    /**
     * Whether the answer path drops {@code tool} from a {@code tools/list} result (pin mode, not the pinned one), from
     * what {@link #learn} found for it in this same listing: the definition is fingerprinted once.
     */
    public boolean hidden(JsonNode tool) {
        if (pins.mode() != ToolPins.Mode.PIN) {
            return false;
        }
        JsonNode name = tool.get("name");
        JsonNode learned = name == null || !name.isTextual() ? null : tools.getIfPresent(name.asText());
        return learned == null || !"match".equals(learned.at("/pin/status").asText());
    }

    private void report(String name, String fingerprint, ToolPins.Status status) {
        if (reported.asMap().putIfAbsent(name + " " + fingerprint, Boolean.TRUE) != null) {
            return;
        }
        log.atWarn()
                .addKeyValue("event.name", "security.tool_definition_" + status.wireName())
                .addKeyValue("gen_ai.tool.name", name)
                .addKeyValue("definition_sha256", fingerprint)
                .addKeyValue("pin_mode", pins.mode().wireName())
                .log(
                        status == ToolPins.Status.DRIFT
                                ? "the server advertises a tool whose definition is not the pinned one"
                                : "the server advertises a tool that is not pinned");
    }

    /**
     * The facts declared for {@code name}; when the server has not listed it, null — or, with pins on, facts that say
     * its definition was never seen ({@code pin.status: unseen}), so the policy can refuse a call by name to a tool
     * no listing showed.
     */
    public JsonNode declared(String name) {
        if (name == null) {
            return null;
        }
        JsonNode known = tools.getIfPresent(name);
        if (known != null || pins.mode() == ToolPins.Mode.OFF) {
            return known;
        }
        ObjectNode unseen = JsonNodeFactory.instance.objectNode();
        unseen.putNull("annotations");
        unseen.putArray("data_classes");
        unseen.putNull("definition_sha256");
        unseen.putArray("description_findings");
        unseen.putObject("pin").put("mode", pins.mode().wireName()).put("status", "unseen");
        return unseen;
    }
}
