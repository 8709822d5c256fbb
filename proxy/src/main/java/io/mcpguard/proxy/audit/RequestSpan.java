package io.mcpguard.proxy.audit;

import static io.mcpguard.proxy.audit.AuditAttributes.*;

import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.util.concurrent.TimeUnit;

/**
 * Records a completed request that carried no MCP message the proxy decided on: a request refused before its body
 * was read (Host/Origin, authentication, session binding, body limit), a body the decoder refused, and the server's
 * GET stream and DELETE (end of session), which are forwarded without a decision.
 *
 * <p>A SERVER span named {@code {HTTP method} {route}} with the HTTP semantic conventions ({@code
 * http.request.method}, {@code url.path}, {@code http.response.status_code}) beside the MCP and {@code mcp.policy.*}
 * attributes that apply.
 */
final class RequestSpan {
    private static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE =
            AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> POLICY_REASON = AttributeKey.stringKey("mcp.policy.reason");

    private final AuditTrail trail;
    private final String mcpPath;

    RequestSpan(AuditTrail trail, String mcpPath) {
        this.trail = trail;
        this.mcpPath = mcpPath;
    }

    void record(ExchangeLog log) {
        // Before authentication, only a bounded share leaves a span; the rest is counted and watched all the same.
        boolean recorded = log.subject() != null
                || trail.unauthenticatedSpans().admit(log.head().clientAddress(), System.nanoTime());
        if (!recorded) {
            trail.metrics().unrecorded(log.ending().outcome().wireName());
        }
        describe(recorded ? start(log) : Span.getInvalid(), log);
    }

    private Span start(ExchangeLog log) {
        boolean mcpRoute = log.head().path().equals(mcpPath);
        String method = log.head().httpMethod();
        // The route, not the path: a refused request may name any path, and span names must stay few.
        SpanBuilder builder = trail.tracer()
                .spanBuilder(mcpRoute ? method + " " + mcpPath : method)
                .setSpanKind(SpanKind.SERVER)
                .setParent(
                        trail.fromHeaders(log.head().traceparent(), log.head().tracestate()))
                .setStartTimestamp(log.startEpochNanos(), TimeUnit.NANOSECONDS)
                .setAttribute(HTTP_REQUEST_METHOD, method)
                .setAttribute(NETWORK_TRANSPORT, "tcp")
                .setAttribute(NETWORK_PROTOCOL_NAME, "http")
                .setAttribute(NETWORK_PROTOCOL_VERSION, log.head().httpVersion());
        if (mcpRoute) { // any other path is the client's text: not kept
            builder.setAttribute(URL_PATH, log.head().path());
        }
        String version = log.head().protocolVersion();
        if (version != null && SpanValues.isKnownVersion(version)) {
            builder.setAttribute(MCP_PROTOCOL_VERSION, version);
        }
        String session = log.head().sessionId();
        if (session != null && SpanValues.sessionIdApplies(version) && SpanValues.isPlainToken(session)) {
            builder.setAttribute(MCP_SESSION_ID, trail.clientText().of(session));
        }
        if (log.head().client() != null) {
            builder.setAttribute(CLIENT_ADDRESS, log.head().clientAddress());
            builder.setAttribute(CLIENT_PORT, (long) log.head().client().getPort());
        }
        return builder.startSpan();
    }

    private void describe(Span span, ExchangeLog log) {
        String subjectRecorded = null;
        if (log.subject() != null) {
            subjectRecorded = trail.pseudonyms().of(log.subject().id());
            SpanValues.describeSubject(span, log.subject(), subjectRecorded, trail.pseudonyms());
        }
        if (log.upstreamStatus() > 0) {
            span.setAttribute(HTTP_RESPONSE_STATUS_CODE, (long) log.upstreamStatus());
        }
        if (log.masked() != null) { // counts, never values
            SpanValues.recordMasked(span, log.masked());
            trail.metrics().masked(log.masked());
            trail.security().maskingSpike(span, subjectRecorded, log.masked());
        }
        securityEvents(span, log, subjectRecorded);
        end(span, log);
        span.end(log.endEpochNanos(), TimeUnit.NANOSECONDS);
    }

    private void securityEvents(Span span, ExchangeLog log, String subjectRecorded) {
        Outcome outcome = log.ending().outcome();
        if (outcome == Outcome.UNAUTHENTICATED || outcome == Outcome.IDENTITY_UNAVAILABLE) {
            trail.security().authenticationFailed(span, log.head().clientAddress());
        } else if (outcome == Outcome.SESSION_REFUSED && log.sessionRefusal() != null) {
            trail.security().sessionRefused(span, log, subjectRecorded);
        } else if (outcome == Outcome.INSUFFICIENT_SCOPE) {
            trail.security().insufficientScope(log, subjectRecorded, null);
        }
    }

    private void end(Span span, ExchangeLog log) {
        ExchangeLog.Ending ending = log.ending();
        Outcome outcome = ending.outcome();
        if (outcome == Outcome.ALLOW || (ending.interrupted() && outcome == Outcome.ABANDONED)) {
            // A client closing the server's stream is how a GET stream normally ends.
            span.setAttribute(POLICY_OUTCOME, Outcome.ALLOW.wireName());
            trail.metrics().request(log.head().httpMethod(), Outcome.ALLOW.wireName(), null);
            return;
        }
        if (ending.interrupted()) {
            span.setAttribute(POLICY_OUTCOME, Outcome.UPSTREAM_ERROR.wireName());
            span.setAttribute(ERROR_TYPE, "upstream_interrupted");
            span.setStatus(StatusCode.ERROR, "upstream_interrupted");
            trail.metrics().request(log.head().httpMethod(), Outcome.UPSTREAM_ERROR.wireName(), "upstream_interrupted");
            return;
        }
        int httpStatus = ending.httpStatus();
        span.setAttribute(HTTP_RESPONSE_STATUS_CODE, (long) httpStatus);
        span.setAttribute(POLICY_OUTCOME, outcome.wireName());
        if (ending.reason() != null) {
            span.setAttribute(POLICY_REASON, ending.reason());
        }
        String errorType = ending.code() != null ? String.valueOf(ending.code().code()) : String.valueOf(httpStatus);
        if (ending.code() != null) {
            span.setAttribute(RPC_RESPONSE_STATUS_CODE, errorType);
        }
        span.setAttribute(ERROR_TYPE, errorType);
        span.setStatus(StatusCode.ERROR, outcome.wireName());
        trail.metrics().request(log.head().httpMethod(), outcome.wireName(), errorType);
    }
}
