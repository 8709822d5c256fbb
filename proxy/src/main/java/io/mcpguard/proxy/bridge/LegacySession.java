package io.mcpguard.proxy.bridge;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A legacy-era session the bridge holds with the guarded server for one subject: what the server's {@code initialize}
 * answer said. Never shown to a client: its id travels only between the proxy and the server.
 *
 * @param id the server's {@code Mcp-Session-Id}, or null when the server mints none (a stateless legacy server)
 * @param version the protocol version the server agreed to, one of {@code ProtocolEra.LEGACY_VERSIONS}
 * @param capabilities the server's capabilities as it stated them
 * @param serverInfo the server's name and version, or null
 * @param instructions the server's instructions for clients, or null
 */
public record LegacySession(
        String id, String version, ObjectNode capabilities, ObjectNode serverInfo, String instructions) {}
