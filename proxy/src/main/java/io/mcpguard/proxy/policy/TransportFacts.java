package io.mcpguard.proxy.policy;

/**
 * What the transport knows about the HTTP exchange a message arrived in.
 *
 * @param clientAddress the peer's IP address
 * @param tls whether the client connection is TLS
 * @param httpMethod the HTTP method
 * @param path the request path
 * @param sessionId the {@code Mcp-Session-Id} header, or null
 * @param protocolVersion the {@code MCP-Protocol-Version} header, or null
 * @param batchSize how many messages the body carried (1 unless a batch)
 */
public record TransportFacts(
        String clientAddress,
        boolean tls,
        String httpMethod,
        String path,
        String sessionId,
        String protocolVersion,
        int batchSize) {}
