package io.mcpguard.proxy.audit;

import static io.mcpguard.proxy.audit.AuditAttributes.*;

import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.policy.Subject;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The audit span of an HTTP request that carries no MCP message the proxy decided on: a request refused before its
 * body was read (Host/Origin, authentication, session binding, body limit), a body the decoder refused, and the
 * server's GET stream and DELETE (end of session), which are forwarded without a decision.
 *
 * <p>A SERVER span named {@code {HTTP method} {route}} with the HTTP semantic conventions ({@code
 * http.request.method}, {@code url.path}, {@code http.response.status_code}) beside the MCP and {@code mcp.policy.*}
 * attributes that apply. Every method runs on the connection's event loop; the span ends exactly once.
 */
public final class RequestAudit implements RelayAudit {
    private static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE =
            AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> POLICY_REASON = AttributeKey.stringKey("mcp.policy.reason");

    private final AuditTrail trail;
    private final Span span;
    private final String httpMethod;
    private String subjectRecorded;
    private boolean ended;

    RequestAudit(AuditTrail trail, ChannelHandlerContext ctx, HttpRequest request, Context parent, String mcpPath) {
        this.trail = trail;
        String path = new QueryStringDecoder(request.uri()).rawPath();
        String method = request.method().name();
        this.httpMethod = method;
        // The route, not the path: a refused request may name any path, and span names must stay few.
        SpanBuilder builder = trail.tracer()
                .spanBuilder(path.equals(mcpPath) ? method + " " + mcpPath : method)
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setAttribute(HTTP_REQUEST_METHOD, method)
                .setAttribute(NETWORK_TRANSPORT, "tcp")
                .setAttribute(NETWORK_PROTOCOL_NAME, "http")
                .setAttribute(
                        NETWORK_PROTOCOL_VERSION,
                        request.protocolVersion().majorVersion() + "."
                                + request.protocolVersion().minorVersion());
        if (path.equals(mcpPath)) { // any other path is the client's text: not kept
            builder.setAttribute(URL_PATH, path);
        }
        String version = request.headers().get("MCP-Protocol-Version");
        if (version != null && SpanValues.isKnownVersion(version)) {
            builder.setAttribute(MCP_PROTOCOL_VERSION, version);
        }
        String session = request.headers().get("Mcp-Session-Id");
        if (session != null && SpanValues.sessionIdApplies(version) && SpanValues.isPlainToken(session)) {
            builder.setAttribute(MCP_SESSION_ID, trail.clientText().of(session));
        }
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress peer) {
            builder.setAttribute(CLIENT_ADDRESS, peer.getAddress().getHostAddress());
            builder.setAttribute(CLIENT_PORT, (long) peer.getPort());
        }
        this.span = builder.startSpan();
    }

    /** Who sent it, once known (authenticated, or the anonymous subject when authentication is off). */
    public RequestAudit subject(Subject subject) {
        if (subject != null && !ended) {
            subjectRecorded = trail.pseudonyms().of(subject.id());
            SpanValues.describeSubject(span, subject, subjectRecorded, trail.pseudonyms());
        }
        return this;
    }

    /** The subject id as the trail records it (pseudonymised when configured), or null before {@link #subject}. */
    public String subjectRecorded() {
        return subjectRecorded;
    }

    /**
     * Refused by the proxy; the span ends.
     *
     * @param code the JSON-RPC error code of the answer, or null when the answer has none
     * @param outcome the {@code mcp.policy.outcome}: unauthenticated, insufficient_scope, session_refused,
     *     origin_refused, too_large, invalid
     * @param reason a fixed description safe to show (never a value from the request)
     */
    public void refused(int httpStatus, ErrorCode code, String outcome, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        span.setAttribute(HTTP_RESPONSE_STATUS_CODE, (long) httpStatus);
        span.setAttribute(POLICY_OUTCOME, outcome);
        if (reason != null) {
            span.setAttribute(POLICY_REASON, reason);
        }
        String errorType = code != null ? String.valueOf(code.code()) : String.valueOf(httpStatus);
        if (code != null) {
            span.setAttribute(RPC_RESPONSE_STATUS_CODE, errorType);
        }
        span.setAttribute(ERROR_TYPE, errorType);
        span.setStatus(StatusCode.ERROR, outcome);
        trail.metrics().request(httpMethod, outcome, errorType);
        span.end();
    }

    /** Raises a security event on this request's span (and as a WARN line and a metric). */
    public void securityEvent(String name, String message, Map<String, Object> fields) {
        SecurityEvents.raise(trail, span, name, message, fields);
    }

    /** What was masked in the stream relayed for this request (counts, never values); may raise a masking spike. */
    @Override
    public void masked(MaskCounts counts) {
        if (ended) {
            return;
        }
        SpanValues.recordMasked(span, counts);
        trail.metrics().masked(counts);
        trail.maskingSpike(span, subjectRecorded, counts);
    }

    /** The server's answer began with this status (a stream's 200, a 405 for a stream it does not offer). */
    @Override
    public void responded(int httpStatus) {
        if (!ended) {
            span.setAttribute(HTTP_RESPONSE_STATUS_CODE, (long) httpStatus);
        }
    }

    /** Forwarded and relayed to its end (a GET stream that ended, a DELETE answered). */
    @Override
    public void completed() {
        if (ended) {
            return;
        }
        ended = true;
        span.setAttribute(POLICY_OUTCOME, "allow");
        trail.metrics().request(httpMethod, "allow", null);
        span.end();
    }

    /** Forwarded, but the server could not be reached or failed; the client got {@code code} instead. */
    @Override
    public void upstreamFailed(ErrorCode code) {
        refused(502, code, "upstream_error", null);
    }

    /**
     * The relay stopped before the server ended it. A client closing the server's stream is how a GET stream
     * normally ends ({@code allow}); the server failing mid-stream is {@code upstream_error}.
     */
    @Override
    public void interrupted(boolean clientGone) {
        if (clientGone) {
            completed();
            return;
        }
        if (ended) {
            return;
        }
        ended = true;
        span.setAttribute(POLICY_OUTCOME, "upstream_error");
        span.setAttribute(ERROR_TYPE, "upstream_interrupted");
        span.setStatus(StatusCode.ERROR, "upstream_interrupted");
        trail.metrics().request(httpMethod, "upstream_error", "upstream_interrupted");
        span.end();
    }

    static Map<String, Object> fields(Object... keyValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            fields.put((String) keyValues[i], keyValues[i + 1]);
        }
        return fields;
    }
}
