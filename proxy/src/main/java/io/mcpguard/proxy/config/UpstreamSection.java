package io.mcpguard.proxy.config;

import io.mcpguard.proxy.config.ProxyConfig.*;
import java.util.List;

/** The {@code upstream.*} keys of the proxy's own credential toward the guarded server. */
final class UpstreamSection {
    private UpstreamSection() {}

    static String credentialHeader(ConfigSource src) {
        String name = src.string("upstream.credential-header", "Authorization");
        src.require(
                name.matches("[A-Za-z0-9-]{1,64}")
                        && !List.of("host", "content-length", "transfer-encoding", "connection", "mcp-session-id")
                                .contains(name.toLowerCase(java.util.Locale.ROOT)),
                "config key 'upstream.credential-header': expected a header name such as Authorization, got '" + name
                        + "'");
        return name;
    }

    /**
     * The proxy's credential for the upstream, from a file ({@code upstream.credential-file}, e.g. a mounted
     * Kubernetes secret) or an environment variable named by {@code upstream.credential-env}. Never a config value
     * itself, so it cannot end up in a config error message.
     */
    static Secret upstreamCredential(ConfigSource src) {
        return SecretKeys.load(src, "upstream.credential", 0);
    }

    /** {@code upstream.tool-pins.file} and {@code .mode}: pin by default once a manifest is named, else off. */
    static ToolPinning toolPins(ConfigSource src) {
        String file = src.string("upstream.tool-pins.file", "");
        String mode = src.string("upstream.tool-pins.mode", file.isEmpty() ? "off" : "pin");
        if (mode.equals("false")) {
            mode = "off"; // YAML 1.1 reads an unquoted off as false
        }
        src.require(
                List.of("off", "warn", "pin").contains(mode),
                "config key 'upstream.tool-pins.mode': expected off, warn or pin, got '" + mode + "'");
        src.require(
                mode.equals("off") || !file.isEmpty(),
                "config key 'upstream.tool-pins.mode' is " + mode
                        + " but no manifest is named: set upstream.tool-pins.file (mcpguard pin writes one)");
        if (!file.isEmpty()) {
            src.require(
                    java.nio.file.Files.isReadable(java.nio.file.Path.of(file)),
                    "config key 'upstream.tool-pins.file': cannot read " + file);
        }
        return new ToolPinning(file.isEmpty() ? null : java.nio.file.Path.of(file), mode);
    }

    /** {@code upstream.era} and {@code upstream.bridge.*}: whether modern clients are bridged, and its bounds. */
    static Bridge bridge(ConfigSource src) {
        String era = src.string("upstream.era", "legacy");
        src.require(
                List.of("legacy", "modern").contains(era),
                "config key 'upstream.era': expected legacy (the server speaks 2025-11-25 or earlier; modern clients are"
                        + " bridged) or modern (it speaks 2026-07-28), got '" + era + "'");
        return new Bridge(
                era.equals("legacy"),
                src.integer("upstream.bridge.max-sessions", Bridge.DEFAULT.maxSessions(), 1, 1_000_000),
                src.duration(
                        "upstream.bridge.idle-timeout",
                        Bridge.DEFAULT.idleTimeout(),
                        java.time.Duration.ofSeconds(1),
                        java.time.Duration.ofDays(1)),
                SecretKeys.load(src, "upstream.request-state-key", 32));
    }
}
