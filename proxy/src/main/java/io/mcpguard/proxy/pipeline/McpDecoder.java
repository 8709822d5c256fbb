package io.mcpguard.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.forward.SealedRequestStates;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcException;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.ProtocolEra;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.policy.TransportFacts;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decode stage: turns a request to the MCP endpoint into an {@link Exchange}. A POST's body must be {@code
 * application/json} and strict JSON-RPC 2.0 ({@link JsonRpcDecoder}), and the MCP headers that mirror it must agree
 * with it; what fails is answered here and never reaches the policy. From here on only the decoded body travels —
 * what the policy checks is what is forwarded. GET and DELETE carry no message and pass with no body.
 */
@ChannelHandler.Sharable
public final class McpDecoder extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(McpDecoder.class);
    static final String MCP_METHOD_HEADER = "Mcp-Method";
    static final String MCP_NAME_HEADER = "Mcp-Name";
    private static final String PROTOCOL_VERSION_HEADER = "MCP-Protocol-Version";
    private static final String SESSION_HEADER = "Mcp-Session-Id";

    private final JsonRpcDecoder decoder;
    private final SubjectResolver subjects;
    private final Replies replies;
    private final DeclaredTools declaredTools;
    private final SealedRequestStates requestStates;

    /**
     * @param declaredTools what the server declared of its tools, which {@code Mcp-Param-*} headers mirror
     * @param requestStates opens the multi round-trip states the forward stage sealed; null opens none (tests)
     */
    McpDecoder(
            JsonRpcDecoder decoder,
            SubjectResolver subjects,
            Replies replies,
            DeclaredTools declaredTools,
            SealedRequestStates requestStates) {
        this.declaredTools = declaredTools;
        this.requestStates = requestStates;
        this.decoder = decoder;
        this.subjects = subjects;
        this.replies = replies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        ExchangeLog exchangeLog = ExchangeLog.of(ctx.channel());
        Subject subject = subjects.subjectOf(ctx, request);
        exchangeLog.subject(subject);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String query = uri.rawQuery().isEmpty() ? null : uri.rawQuery();
        HttpHeaders headers = request.headers().copy();
        if (!HttpMethod.POST.equals(request.method())) {
            if (ProtocolEra.modernHeader(request.headers().get(PROTOCOL_VERSION_HEADER))) {
                // 2026-07-28 removed the GET stream and sessions (and so DELETE): 405 is its "no stream" answer.
                String reason = "MCP " + ProtocolEra.FIRST_MODERN_VERSION + " has no "
                        + request.method().name() + " on the MCP endpoint; POST each request";
                exchangeLog.refused(Outcome.INVALID, HttpResponseStatus.METHOD_NOT_ALLOWED.code(), null, reason);
                replies.answers()
                        .text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, reason, keepAlive, "POST")
                        .addListener(f -> Replies.resumeReading(ctx));
                return;
            }
            ctx.fireChannelRead(
                    new Exchange(request.method(), query, headers, keepAlive, null, subject, null, null, exchangeLog));
            return;
        }
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            String reason = "a POST to the MCP endpoint must be Content-Type: application/json";
            exchangeLog.refused(Outcome.INVALID, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE.code(), null, reason);
            replies.answers()
                    .text(ctx, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, reason, keepAlive, null)
                    .addListener(f -> Replies.resumeReading(ctx));
            return;
        }
        String unreadable = unreadableBody(request.headers(), contentType);
        if (unreadable != null) {
            exchangeLog.refused(Outcome.INVALID, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE.code(), null, unreadable);
            replies.answers()
                    .text(ctx, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, unreadable, keepAlive, null)
                    .addListener(f -> Replies.resumeReading(ctx));
            return;
        }
        DecodedBody body;
        ProtocolEra era;
        try {
            body = decoder.decode(ByteBufUtil.getBytes(request.content()));
            checkHeadersMatchBody(request.headers(), body);
            era = eraOf(request.headers(), body);
            if (era.modern()) {
                ParamHeaderCheck.check(request.headers(), body.messages().get(0), declaredTools);
            }
            if (requestStates != null) {
                body = RequestStateCheck.opened(body, subject.id(), requestStates, decoder.mapper());
            }
        } catch (JsonRpcException e) {
            log.atInfo()
                    .addKeyValue("error.type", e.errorCode().name())
                    .addKeyValue("reason", e.recordedReason())
                    .log("rejected malformed message");
            // The recorded reason names what is wrong (a rule, a limit), never a value from the body; the answer's
            // message may quote a member name, which the client chose and may be anything.
            exchangeLog.refused(Outcome.INVALID, e.errorCode().httpStatus().code(), e.errorCode(), e.recordedReason());
            replies.reject(ctx, Refusal.of(e), keepAlive);
            return;
        }
        exchangeLog.body(body);
        if (!era.modern()) {
            // The legacy eras have no Mcp-Param headers: one sent anyway was checked against nothing, so it goes no
            // further.
            ParamHeaderCheck.names(headers).forEach(headers::remove);
        }
        if (ProtocolEra.modernHeader(request.headers().get(PROTOCOL_VERSION_HEADER))) {
            // Modern requests have no session: one presented is ignored (not checked, not bound; see
            // SessionBindingHandler), so it must not reach the server either, where it could name another's.
            headers.remove(SESSION_HEADER);
        }
        TransportFacts transport = transportFacts(
                ctx, request, uri, headers.get(SESSION_HEADER), body.messages().size(), era);
        ctx.fireChannelRead(
                new Exchange(HttpMethod.POST, query, headers, keepAlive, body, subject, transport, null, exchangeLog));
    }

    /**
     * Why the body's bytes are not JSON text the decoder reads as sent — a charset other than UTF-8 (the only one
     * JSON allows between systems, RFC 8259 §8.1), or a content encoding — or null when they are. Decoding them
     * anyway would check one text and forward another.
     */
    static String unreadableBody(HttpHeaders headers, String contentType) {
        if (headers.getAll(HttpHeaderNames.CONTENT_TYPE).size() > 1) {
            return "a POST to the MCP endpoint must carry one Content-Type";
        }
        List<String> encodings = headers.getAll(HttpHeaderNames.CONTENT_ENCODING);
        for (String encoding : encodings) {
            if (!encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
                return "a POST to the MCP endpoint must not be content-encoded (Content-Encoding: identity or none)";
            }
        }
        for (String parameter : contentType.split(";")) {
            String[] pair = parameter.trim().split("=", 2);
            if (pair.length == 2 && pair[0].trim().equalsIgnoreCase("charset")) {
                String charset = pair[1].trim().replace("\"", "");
                if (!charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
                    return "a POST to the MCP endpoint must be UTF-8 JSON (charset=utf-8 or none)";
                }
            }
        }
        return null;
    }

    /**
     * MCP 2026-07-28 mirrors the method and name in headers. The policy decides on the body; a server that routes
     * on the header must not see a different method, so a disagreement is refused (-32020) rather than forwarded.
     */
    static void checkHeadersMatchBody(HttpHeaders headers, DecodedBody body) throws JsonRpcException {
        // Checked on one value and forwarded with all, a repeated header could route the server elsewhere.
        if (headers.getAll(MCP_METHOD_HEADER).size() > 1
                || headers.getAll(MCP_NAME_HEADER).size() > 1) {
            throw new JsonRpcException(ErrorCode.HEADER_MISMATCH, "Mcp-Method and Mcp-Name may each be sent once");
        }
        String methodHeader = headers.get(MCP_METHOD_HEADER);
        String nameHeader = headers.get(MCP_NAME_HEADER);
        if (methodHeader == null && nameHeader == null) {
            return;
        }
        if (body.batch()) {
            throw new JsonRpcException(
                    ErrorCode.HEADER_MISMATCH, "Mcp-Method/Mcp-Name headers cannot describe a batch");
        }
        JsonRpcMessage message = body.messages().get(0);
        if (methodHeader != null && !methodHeader.equals(message.method())) {
            throw new JsonRpcException(
                    ErrorCode.HEADER_MISMATCH, "Mcp-Method header does not match the body's method", message.id());
        }
        if (nameHeader != null) {
            String name = McpHeaderValues.decode(nameHeader);
            JsonNode params = message.params();
            String bodyName = params == null ? null : textOrNull(params.get("name"));
            if (bodyName == null) {
                bodyName = params == null ? null : textOrNull(params.get("uri"));
            }
            if (!name.equals(bodyName)) {
                throw new JsonRpcException(
                        ErrorCode.HEADER_MISMATCH, "Mcp-Name header does not match the body", message.id());
            }
        }
    }

    /**
     * The request's era, after checking what 2026-07-28 requires of a modern request ({@link ModernEraRules}). A
     * legacy request is left to the legacy rules.
     */
    static ProtocolEra eraOf(HttpHeaders headers, DecodedBody body) throws JsonRpcException {
        // Checked on one value and forwarded with all, a repeated header could tell the server another version.
        if (headers.getAll(PROTOCOL_VERSION_HEADER).size() > 1) {
            throw new JsonRpcException(ErrorCode.HEADER_MISMATCH, "MCP-Protocol-Version may be sent once");
        }
        String header = headers.get(PROTOCOL_VERSION_HEADER);
        ProtocolEra era = ProtocolEra.of(header, body);
        if (era.modern()) {
            ModernEraRules.check(headers, header, body);
        }
        return era;
    }

    static String textOrNull(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    private static TransportFacts transportFacts(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            QueryStringDecoder uri,
            String sessionId,
            int batchSize,
            ProtocolEra era) {
        String address = ctx.channel().remoteAddress() instanceof InetSocketAddress peer
                ? peer.getAddress().getHostAddress()
                : String.valueOf(ctx.channel().remoteAddress());
        return new TransportFacts(
                address,
                ctx.pipeline().get(SslHandler.class) != null,
                request.method().name(),
                uri.rawPath(),
                sessionId,
                request.headers().get(PROTOCOL_VERSION_HEADER),
                batchSize,
                era);
    }
}
