package io.mcpguard.proxy.policy;

import io.mcpguard.proxy.jsonrpc.ProtocolEra;

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
 * @param era the MCP era the request belongs to and the version it claims
 */
public record TransportFacts(
        String clientAddress,
        boolean tls,
        String httpMethod,
        String path,
        String sessionId,
        String protocolVersion,
        int batchSize,
        ProtocolEra era) {

    /** Facts of a legacy-era request (the era the header and body did not mark modern). */
    public TransportFacts(
            String clientAddress,
            boolean tls,
            String httpMethod,
            String path,
            String sessionId,
            String protocolVersion,
            int batchSize) {
        this(
                clientAddress,
                tls,
                httpMethod,
                path,
                sessionId,
                protocolVersion,
                batchSize,
                new ProtocolEra(ProtocolEra.Era.LEGACY, protocolVersion));
    }
}
