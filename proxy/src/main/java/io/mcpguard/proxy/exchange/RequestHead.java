package io.mcpguard.proxy.exchange;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;

/**
 * What a request's head said that the audit trail may keep: the method, the path (the client's text, recorded only
 * when it is a known route), the HTTP version, the MCP protocol version and session id, the W3C trace context, and
 * the client's address. No other header is kept: credentials and cookies never enter the exchange log.
 *
 * @param protocolVersion the {@code MCP-Protocol-Version} header, or null
 * @param sessionId the {@code Mcp-Session-Id} header, or null
 * @param traceparent the client's {@code traceparent} header, or null
 * @param tracestate the client's {@code tracestate} header, or null
 * @param client the client's address, or null when the transport has none
 */
public record RequestHead(
        String httpMethod,
        String path,
        String httpVersion,
        String protocolVersion,
        String sessionId,
        String traceparent,
        String tracestate,
        InetSocketAddress client) {

    static RequestHead of(HttpRequest request, InetSocketAddress client) {
        HttpHeaders headers = request.headers();
        return new RequestHead(
                request.method().name(),
                new QueryStringDecoder(request.uri()).rawPath(),
                request.protocolVersion().majorVersion() + "."
                        + request.protocolVersion().minorVersion(),
                headers.get("MCP-Protocol-Version"),
                headers.get("Mcp-Session-Id"),
                headers.get("traceparent"),
                headers.get("tracestate"),
                client);
    }

    /** The client's IP address as text, or null. */
    public String clientAddress() {
        return client == null ? null : client.getAddress().getHostAddress();
    }
}
