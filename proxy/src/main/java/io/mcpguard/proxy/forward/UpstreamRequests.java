package io.mcpguard.proxy.forward;

import io.mcpguard.proxy.config.Secret;
import io.mcpguard.proxy.http.HopByHopHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What the hop to the guarded server carries: the request line toward the configured URL, the proxy's own credential
 * and, to an upstream that asked for it, the verified subject — never the client's credentials, hop-by-hop headers or
 * what the client said of bytes the proxy re-serialised. Immutable.
 */
final class UpstreamRequests {
    private final String hostHeader;
    private final String path;
    private final String query;
    private final String credentialHeader;
    private final Secret credential;
    private final boolean passSubject;

    /**
     * @param query the configured URL's raw query, or null
     * @param credential the proxy's credential toward the server, or null
     * @param passSubject whether the upstream is told each request's subject ({@link UpstreamClient#SUBJECT_HEADER})
     */
    UpstreamRequests(
            String hostHeader,
            String path,
            String query,
            String credentialHeader,
            Secret credential,
            boolean passSubject) {
        this.hostHeader = hostHeader;
        this.path = path;
        this.query = query;
        this.credentialHeader = credentialHeader;
        this.credential = credential;
        this.passSubject = passSubject;
    }

    /**
     * A client's request as it goes on: its end-to-end headers, the proxy's body.
     *
     * @param peer the client's address, added to {@code X-Forwarded-For}
     * @param body the body to send (the proxy's re-serialised message), or null; ownership passes to the request
     */
    FullHttpRequest forwarded(
            SocketAddress peer,
            HttpMethod method,
            String clientQuery,
            HttpHeaders clientHeaders,
            ByteBuf body,
            String subject) {
        String target = path;
        if (query != null || clientQuery != null) {
            target += "?" + (query == null ? clientQuery : clientQuery == null ? query : query + "&" + clientQuery);
        }
        ByteBuf content = body == null ? Unpooled.EMPTY_BUFFER : body;
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target, content);
        HttpHeaders headers = request.headers();
        headers.set(clientHeaders);
        HopByHopHeaders.strip(headers);
        // The client's credentials are for the proxy alone: never pass its token (MCP "token passthrough").
        headers.remove(HttpHeaderNames.AUTHORIZATION);
        headers.remove(HttpHeaderNames.COOKIE);
        // The hop to the server carries the proxy's own credential, and only the proxy can set that header.
        headers.remove(credentialHeader);
        if (credential != null) {
            headers.set(credentialHeader, credential.reveal());
        }
        // Host and Origin were checked at the edge (transport.OriginGuard). Host is rewritten to the upstream's
        // own address below, so an Origin passed on would look cross-origin to an upstream that compares the two
        // and refuse a request the proxy rightly accepted.
        headers.remove(HttpHeaderNames.ORIGIN);
        // The body was re-serialised and is complete; lengths and expectations are the proxy's to state.
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        headers.remove(HttpHeaderNames.EXPECT);
        headers.set(HttpHeaderNames.HOST, hostHeader);
        // Every answer is inspected, which needs its bytes as they are: the client's Accept-Encoding is not passed.
        headers.set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        // The body forwarded is the proxy's canonical UTF-8 JSON, never the client's bytes: what the client said of
        // its own bytes (a charset, an encoding) would describe bytes the server does not get.
        headers.remove(HttpHeaderNames.CONTENT_ENCODING);
        headers.remove(HttpHeaderNames.CONTENT_TYPE);
        if (body != null) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            headers.setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        }
        if (peer instanceof InetSocketAddress address) {
            String forwardedFor = headers.get("X-Forwarded-For");
            String ip = address.getAddress().getHostAddress();
            headers.set("X-Forwarded-For", forwardedFor == null ? ip : forwardedFor + ", " + ip);
        }
        withSubject(request, subject);
        return request;
    }

    /**
     * A request of the proxy's own (the era bridge's handshake): its headers as given, the hop's own around them.
     *
     * @param body the JSON body, or null
     */
    FullHttpRequest own(HttpMethod method, HttpHeaders ownHeaders, byte[] body, String subject) {
        String target = query == null ? path : path + "?" + query;
        ByteBuf content = body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target, content);
        request.headers().set(ownHeaders);
        request.headers().set(HttpHeaderNames.HOST, hostHeader);
        request.headers().set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        if (credential != null) {
            request.headers().set(credentialHeader, credential.reveal());
        }
        withSubject(request, subject);
        return request;
    }

    private void withSubject(FullHttpRequest request, String subject) {
        request.headers().remove(UpstreamClient.SUBJECT_HEADER);
        if (passSubject && subject != null) {
            request.headers()
                    .set(
                            UpstreamClient.SUBJECT_HEADER,
                            Base64.getUrlEncoder()
                                    .withoutPadding()
                                    .encodeToString(subject.getBytes(StandardCharsets.UTF_8)));
        }
    }
}
