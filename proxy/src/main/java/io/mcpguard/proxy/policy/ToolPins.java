package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The tool definitions a team reviewed and pinned ({@code mcpguard pin} writes the manifest, Git keeps it), and what
 * the proxy does with a tool whose advertised definition is not the pinned one — a server that rewrites a tool's
 * description or schema after it was trusted ("rug pull"), or adds a tool nobody reviewed.
 *
 * <p>Manifest: {@code {"version": 1, "server": "...", "tools": {"name": "sha256:<hex>", ...}}} (see {@link
 * ToolDefinition} for what the fingerprint covers).
 */
public final class ToolPins {
    private static final Pattern FINGERPRINT = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a definition that differs from its pin leads to. */
    public enum Mode {
        /** No pinning: nothing is compared. */
        OFF,
        /** Compared, told to the policy and logged; the default policy lets it pass. */
        WARN,
        /** Compared; a drifted or unpinned tool is hidden from {@code tools/list} and its calls are denied. */
        PIN;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How an advertised definition compares with the manifest. */
    public enum Status {
        MATCH,
        DRIFT,
        UNPINNED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Mode mode;
    private final Map<String, String> pins;

    private ToolPins(Mode mode, Map<String, String> pins) {
        this.mode = mode;
        this.pins = Map.copyOf(pins);
    }

    public static ToolPins off() {
        return new ToolPins(Mode.OFF, Map.of());
    }

    /**
     * Reads a manifest.
     *
     * @throws IllegalStateException naming the file and what is wrong with it
     */
    public static ToolPins load(Path manifest, Mode mode) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(manifest));
        } catch (IOException e) {
            throw new IllegalStateException("tool pins " + manifest + ": cannot read it as JSON ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (root == null
                || root.path("version").asInt() != 1
                || !root.path("tools").isObject()) {
            throw new IllegalStateException(
                    "tool pins " + manifest + ": expected {\"version\": 1, \"tools\": {name: \"sha256:...\"}}");
        }
        Map<String, String> pins = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("tools").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> pin = it.next();
            if (!pin.getValue().isTextual()
                    || !FINGERPRINT.matcher(pin.getValue().asText()).matches()) {
                throw new IllegalStateException("tool pins " + manifest + ": tool '" + pin.getKey()
                        + "' needs a fingerprint of the form sha256:<64 lower-case hex digits>");
            }
            pins.put(pin.getKey(), pin.getValue().asText());
        }
        return new ToolPins(mode, pins);
    }

    /** The manifest for {@code fingerprints} (tool name → fingerprint), as {@code mcpguard pin} writes it. */
    public static String manifest(String server, Map<String, String> fingerprints) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        root.put("server", server);
        ObjectNode tools = root.putObject("tools");
        new TreeMap<>(fingerprints).forEach(tools::put);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Mode mode() {
        return mode;
    }

    /** How {@code fingerprint}, advertised for tool {@code name}, compares with its pin. */
    public Status status(String name, String fingerprint) {
        String pinned = pins.get(name);
        if (pinned == null) {
            return Status.UNPINNED;
        }
        return pinned.equals(fingerprint) ? Status.MATCH : Status.DRIFT;
    }

    /** Whether a tool in this state is kept from clients (pin mode, anything but a match). */
    public boolean hides(Status status) {
        return mode == Mode.PIN && status != Status.MATCH;
    }
}
