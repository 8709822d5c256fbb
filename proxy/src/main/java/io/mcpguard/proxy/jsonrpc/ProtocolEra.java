package io.mcpguard.proxy.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;

/**
 * Which MCP era one HTTP request belongs to, and the version it claims. The 2026-07-28 ("modern") era has no
 * {@code initialize} and no sessions: every request carries its version in
 * {@code params._meta["io.modelcontextprotocol/protocolVersion"]} and in the {@code MCP-Protocol-Version} header. The
 * earlier ("legacy") eras negotiate a version once, in {@code initialize}, and bind it to a session.
 *
 * <p>Decided in one place so the decoder, the session binding and the policy input cannot disagree: modern when any
 * message of the body (other than {@code initialize}) names a version in {@code _meta}, or when the header names a
 * version from 2026-07-28 on and the body is not an {@code initialize}; legacy otherwise.
 *
 * @param era legacy or modern
 * @param version the version the request claims: the {@code _meta} version, else the header's; null when neither
 */
public record ProtocolEra(Era era, String version) {
    /** The {@code _meta} member that carries the version of a modern request. */
    public static final String META_VERSION = "io.modelcontextprotocol/protocolVersion";

    /** The first stateless revision; versions are dates, so later ones compare greater as text. */
    public static final String FIRST_MODERN_VERSION = "2026-07-28";

    /** The modern versions the proxy enforces, newest first. */
    public static final List<String> MODERN_VERSIONS = List.of(FIRST_MODERN_VERSION);

    /** The legacy versions it passes on to a session with the server, newest first. */
    public static final List<String> LEGACY_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

    public enum Era {
        LEGACY,
        MODERN;

        /** The lower-case name used in the policy input. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final java.util.regex.Pattern DATE = java.util.regex.Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    /**
     * Whether a {@code MCP-Protocol-Version} header value names the modern era: a version date from 2026-07-28 on.
     * Anything else is left to the legacy rules (which refuse an invalid version).
     */
    public static boolean modernHeader(String headerVersion) {
        return headerVersion != null
                && DATE.matcher(headerVersion).matches()
                && !LEGACY_VERSIONS.contains(headerVersion)
                && headerVersion.compareTo(FIRST_MODERN_VERSION) >= 0;
    }

    /** The era of a request without a body (GET, DELETE): only the header can tell. */
    public static ProtocolEra ofHeader(String headerVersion) {
        return modernHeader(headerVersion)
                ? new ProtocolEra(Era.MODERN, headerVersion)
                : new ProtocolEra(Era.LEGACY, headerVersion);
    }

    /** The era of a POST from its header and its decoded body. */
    public static ProtocolEra of(String headerVersion, DecodedBody body) {
        String metaVersion = null;
        boolean initialize = false;
        for (JsonRpcMessage message : body.messages()) {
            if ("initialize".equals(message.method())) {
                initialize = true;
                continue;
            }
            JsonNode version = metaVersionNode(message);
            if (version != null && metaVersion == null) {
                // A version that is not text still marks the request modern; the decoder refuses it there.
                metaVersion = version.isTextual() ? version.asText() : version.toString();
            }
        }
        if (metaVersion != null) {
            return new ProtocolEra(Era.MODERN, metaVersion);
        }
        if (!initialize && modernHeader(headerVersion)) {
            return new ProtocolEra(Era.MODERN, headerVersion);
        }
        return new ProtocolEra(Era.LEGACY, headerVersion);
    }

    /** The {@code _meta} version node of one message, or null when it names none. */
    public static JsonNode metaVersionNode(JsonRpcMessage message) {
        if (message.params() == null) {
            return null;
        }
        JsonNode meta = message.params().get("_meta");
        return meta != null && meta.isObject() ? meta.get(META_VERSION) : null;
    }

    public boolean modern() {
        return era == Era.MODERN;
    }
}
