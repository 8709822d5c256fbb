package io.mcpguard.proxy.audit;

import static io.mcpguard.proxy.audit.AuditAttributes.*;
import static io.mcpguard.proxy.audit.SpanValues.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.HopContext;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.exchange.ServerAnswer;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.ShadowVerdict;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.quota.QuotaOutcome;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Records a completed exchange that carried JSON-RPC messages: a SERVER span per message from the client and, when
 * the body was forwarded, a CLIENT span per message for the hop to the guarded server, child of its SERVER span and
 * carrying the ids the forward stage put on the wire.
 *
 * <p>Each SERVER span continues the trace the client named for its message: the {@code traceparent} in {@code
 * params._meta} (MCP SEP-414) when present, else the HTTP header's; when both are present and differ, the {@code
 * _meta} context is the parent and the HTTP one a link.
 *
 * <p>What is never recorded: tool arguments and results (unless recording is switched on, and then masked for every
 * class), the client's credential, any header value other than the session id and protocol version. Policy reasons
 * are recorded, cleaned like every name the client chose.
 */
final class MessageSpans {
    /** What a label's value may be: an identifier such as a Bitbucket workspace slug. */
    private static final java.util.regex.Pattern PLAIN_LABEL =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final AuditTrail trail;

    MessageSpans(AuditTrail trail) {
        this.trail = trail;
    }

    void record(ExchangeLog log) {
        List<JsonRpcMessage> messages = log.body().messages();
        GateVerdict verdict = log.verdict();
        if (verdict != null) {
            trail.metrics().decision(seconds(log.startEpochNanos(), log.decidedEpochNanos()));
        }
        Subject subject = log.subject();
        String subjectRecorded = trail.pseudonyms().of(subject.id());
        Context fromHeaders =
                trail.fromHeaders(log.head().traceparent(), log.head().tracestate());
        ExchangeLog.Ending ending = log.ending();
        boolean maskedReported = false;
        boolean unmatchedReported = false;
        boolean hiddenReported = false;
        for (int i = 0; i < messages.size(); i++) {
            JsonRpcMessage message = messages.get(i);
            MessageNames names = MessageNames.of(message, trail.clientText());
            HopContext hop = log.hops() == null || i >= log.hops().size()
                    ? null
                    : log.hops().get(i);
            Span server = startServer(log, message, names, fromHeaders, hop, subject, subjectRecorded);
            Decision decision = verdict == null || i >= verdict.outcomes().size()
                    ? null
                    : verdict.outcomes().get(i).decision();
            describeDecision(server, decision);
            QuotaOutcome quota = i < log.quota().size() ? log.quota().get(i) : null;
            if (quota != null) {
                server.setAttribute(POLICY_QUOTA_REMAINING, quota.remaining());
            }
            MaskCounts masked = log.masked();
            if (masked != null) {
                recordMasked(server, masked);
                if (!maskedReported) { // once per exchange: the counts are the whole answer's
                    maskedReported = true;
                    trail.metrics().masked(masked);
                    trail.security().maskingSpike(server, subjectRecorded, masked);
                }
            }
            if (log.hiddenItems() > 0) {
                server.setAttribute(POLICY_LIST_HIDDEN, (long) log.hiddenItems());
                if (!hiddenReported) { // once per exchange: the count is the whole answer's
                    hiddenReported = true;
                    trail.metrics().hidden(log.hiddenItems());
                }
            }
            if (log.unmatchedAnswers() > 0 && !unmatchedReported) {
                unmatchedReported = true;
                SecurityEvents.raise(
                        trail,
                        server,
                        SecurityEvents.ANSWER_UNMATCHED,
                        "the server answered an id no request of the exchange carried; masked with every class",
                        AuditTrail.fields(
                                SUBJECT_ID.getKey(),
                                subjectRecorded,
                                "mcp.policy.unmatched_answers",
                                log.unmatchedAnswers(),
                                "client.address",
                                log.head().clientAddress()));
            }
            long end = log.endEpochNanos();
            if (!ending.refusals().isEmpty()) {
                ErrorCode code = ending.refusals()
                        .get(Math.min(i, ending.refusals().size() - 1))
                        .code();
                endRefused(server, names, log, Outcome.ofRefusal(code, decision), code, subjectRecorded);
            } else if (log.forwardedEpochNanos() == 0) {
                endBeforeForwarding(server, names, log, ending, subjectRecorded);
            } else {
                Span client = startClient(log, names, server, hop);
                endForwarded(server, client, names, log, message, ending, subjectRecorded);
                client.end(end, TimeUnit.NANOSECONDS);
            }
            server.end(end, TimeUnit.NANOSECONDS);
        }
    }

    private Span startServer(
            ExchangeLog log,
            JsonRpcMessage message,
            MessageNames names,
            Context fromHeaders,
            HopContext hop,
            Subject subject,
            String subjectRecorded) {
        SpanContext headerParent = Span.fromContext(fromHeaders).getSpanContext();
        Context fromMeta = trail.fromMeta(message.params());
        SpanContext metaParent = fromMeta == null
                ? SpanContext.getInvalid()
                : Span.fromContext(fromMeta).getSpanContext();
        SpanBuilder builder = trail.tracer()
                .spanBuilder(names.spanName())
                .setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(log.startEpochNanos(), TimeUnit.NANOSECONDS);
        if (metaParent.isValid()) {
            // SEP-414: the message's own context is the parent; the ambient HTTP one, when different, a link.
            builder.setParent(fromMeta);
            if (headerParent.isValid() && !headerParent.getSpanId().equals(metaParent.getSpanId())) {
                builder.addLink(headerParent);
            }
        } else {
            builder.setParent(fromHeaders);
        }
        names.describe(builder);
        String version = log.head().protocolVersion() != null
                ? log.head().protocolVersion()
                : "initialize".equals(message.method()) ? message.paramText("initialize", "protocolVersion") : null;
        if (version != null && isKnownVersion(version)) {
            builder.setAttribute(MCP_PROTOCOL_VERSION, version);
        }
        String sessionId = log.head().sessionId();
        if (sessionId != null && sessionIdApplies(version) && isPlainToken(sessionId)) {
            builder.setAttribute(MCP_SESSION_ID, trail.clientText().of(sessionId));
        }
        builder.setAttribute(NETWORK_TRANSPORT, "tcp");
        builder.setAttribute(NETWORK_PROTOCOL_NAME, "http");
        builder.setAttribute(NETWORK_PROTOCOL_VERSION, log.head().httpVersion());
        if (log.head().client() != null) {
            builder.setAttribute(CLIENT_ADDRESS, log.head().clientAddress());
            builder.setAttribute(CLIENT_PORT, (long) log.head().client().getPort());
        }
        // A message that starts a trace gets the trace id the forward stage already put on the hop.
        PresetIds.next(hop == null || metaParent.isValid() || headerParent.isValid() ? null : hop.traceId(), null);
        Span server;
        try {
            server = builder.startSpan();
        } finally {
            PresetIds.clear();
        }
        describeSubject(server, subject, subjectRecorded, trail.pseudonyms());
        label(server, message);
        if (trail.recordsToolCalls() && message.toolName() != null && message.params() != null) {
            JsonNode arguments = message.params().get("arguments");
            if (arguments != null) {
                server.setAttribute(
                        GEN_AI_TOOL_CALL_ARGUMENTS, trail.snapshots().of(arguments, subject.tenant()));
            }
        }
        return server;
    }

    private void describeDecision(Span span, Decision decision) {
        if (decision == null) {
            return;
        }
        // Reasons may quote what the client sent (an unknown tool's name): cleaned like the names themselves.
        setIfAny(span, POLICY_REASONS, trail.clientText().of(decision.reasons()));
        setIfPresent(span, POLICY_REVISION, decision.revision());
        setIfPresent(span, POLICY_DECISION_ID, decision.decisionId());
        setIfPresent(span, POLICY_AUDIT_LEVEL, decision.auditLevel());
        setIfAny(span, POLICY_MASK, decision.mask());
        if (decision.quota() != null) {
            // The policy builds bucket keys from the subject id: pseudonymised like the id itself.
            span.setAttribute(
                    POLICY_QUOTA_KEY, trail.pseudonyms().of(decision.quota().key()));
            span.setAttribute(POLICY_QUOTA_LIMIT, decision.quota().limit());
        }
        span.setAttribute(POLICY_MFA_REQUIRED, decision.requiresMfa());
        describeShadow(span, decision);
    }

    /**
     * {@code mcp.policy.label.<name>} for each of {@code audit.label-arguments} a tool call carries as a plain
     * identifier (a workspace, a project): what the compliance report groups by. Anything else — a longer text, a
     * value with spaces, slashes or markup — is not recorded, so no argument can carry a secret or an injection onto
     * the trail this way.
     */
    private void label(Span span, JsonRpcMessage message) {
        if (message.toolName() == null || message.params() == null) {
            return;
        }
        JsonNode arguments = message.params().path("arguments");
        for (String name : trail.labelArguments()) {
            JsonNode value = arguments.get(name);
            if (value != null
                    && value.isTextual()
                    && PLAIN_LABEL.matcher(value.asText()).matches()) {
                span.setAttribute(AttributeKey.stringKey("mcp.policy.label." + name), value.asText());
            }
        }
    }

    /** The candidate policy's verdict, which {@link AuditTrail} waited for before these spans were written. */
    private void describeShadow(Span span, Decision decision) {
        if (decision.shadow() == null) {
            return;
        }
        ShadowVerdict shadow = decision.shadow().getNow(null);
        if (shadow == null) { // still undecided past the trail's wait
            span.setAttribute(POLICY_SHADOW_RESULT, "pending");
            return;
        }
        span.setAttribute(POLICY_SHADOW_RESULT, shadow.result().wireName());
        if (shadow.result() == ShadowVerdict.Result.FAILED) {
            return;
        }
        span.setAttribute(POLICY_SHADOW_ALLOW, shadow.allow());
        setIfAny(span, POLICY_SHADOW_KINDS, shadow.kinds());
        setIfAny(span, POLICY_SHADOW_REASONS, trail.clientText().of(shadow.reasons()));
        setIfPresent(span, POLICY_SHADOW_REVISION, shadow.revision());
    }

    /** Refused, or the client left, before anything was forwarded. */
    private void endBeforeForwarding(
            Span server, MessageNames names, ExchangeLog log, ExchangeLog.Ending ending, String subjectRecorded) {
        if (ending.outcome() == Outcome.ABANDONED) {
            measure(log, names, Outcome.ABANDONED, "client_disconnected");
            server.setAttribute(POLICY_OUTCOME, Outcome.ABANDONED.wireName());
            server.setAttribute(ERROR_TYPE, "client_disconnected");
            server.setStatus(StatusCode.ERROR, "client disconnected");
            return;
        }
        ErrorCode code = ending.code() != null ? ending.code() : ErrorCode.POLICY_UNAVAILABLE;
        if (ending.outcome() == Outcome.INSUFFICIENT_SCOPE) {
            trail.security().insufficientScope(log, subjectRecorded, names);
        }
        endRefused(server, names, log, ending.outcome(), code, subjectRecorded);
    }

    private void endRefused(
            Span span, MessageNames names, ExchangeLog log, Outcome outcome, ErrorCode code, String subjectRecorded) {
        measure(log, names, outcome, String.valueOf(code.code()));
        if (outcome.isDenial()) {
            trail.security().denialBurst(span, subjectRecorded);
        }
        span.setAttribute(POLICY_OUTCOME, outcome.wireName());
        span.setAttribute(RPC_RESPONSE_STATUS_CODE, String.valueOf(code.code()));
        span.setAttribute(ERROR_TYPE, String.valueOf(code.code()));
        span.setStatus(StatusCode.ERROR, code.name());
    }

    private Span startClient(ExchangeLog log, MessageNames names, Span server, HopContext hop) {
        SpanBuilder builder = trail.tracer()
                .spanBuilder(names.spanName())
                .setSpanKind(SpanKind.CLIENT)
                .setParent(Context.root().with(server))
                .setStartTimestamp(log.forwardedEpochNanos(), TimeUnit.NANOSECONDS);
        names.describe(builder);
        URI upstream = trail.upstream();
        if (upstream != null) {
            builder.setAttribute(SERVER_ADDRESS, upstream.getHost());
            int port = upstream.getPort();
            builder.setAttribute(SERVER_PORT, (long)
                    (port != -1 ? port : "https".equalsIgnoreCase(upstream.getScheme()) ? 443 : 80));
        }
        builder.setAttribute(NETWORK_TRANSPORT, "tcp");
        builder.setAttribute(NETWORK_PROTOCOL_NAME, "http");
        builder.setAttribute(NETWORK_PROTOCOL_VERSION, "1.1");
        PresetIds.next(null, hop == null ? null : hop.spanId());
        try {
            return builder.startSpan();
        } finally {
            PresetIds.clear();
        }
    }

    private void endForwarded(
            Span server,
            Span client,
            MessageNames names,
            ExchangeLog log,
            JsonRpcMessage message,
            ExchangeLog.Ending ending,
            String subjectRecorded) {
        server.setAttribute(POLICY_OUTCOME, Outcome.ALLOW.wireName());
        String answerError = answered(server, client, log, message);
        if (ending.interrupted()) {
            boolean clientGone = ending.outcome() == Outcome.ABANDONED;
            String errorType = clientGone ? "client_disconnected" : "upstream_interrupted";
            client.setAttribute(ERROR_TYPE, errorType);
            client.setStatus(StatusCode.ERROR, errorType);
            measure(log, names, ending.outcome(), errorType);
            server.setAttribute(POLICY_OUTCOME, ending.outcome().wireName());
            server.setAttribute(ERROR_TYPE, errorType);
            server.setStatus(StatusCode.ERROR, errorType);
        } else if (ending.outcome() == Outcome.UPSTREAM_ERROR) {
            ErrorCode code = ending.code();
            client.setAttribute(ERROR_TYPE, String.valueOf(code.code()));
            client.setStatus(StatusCode.ERROR, code.name());
            endRefused(server, names, log, Outcome.UPSTREAM_ERROR, code, subjectRecorded);
        } else {
            measure(log, names, Outcome.ALLOW, answerError);
        }
    }

    /**
     * What the server answered to this message, when it failed or is recorded: the JSON-RPC error code ({@code
     * rpc.response.status_code}, {@code error.type}) or a failed tool ({@code error.type = tool_error}), on both
     * spans; the masked answer as {@code gen_ai.tool.call.result} when recording is on. The policy outcome stays
     * {@code allow}: the policy let it through, the server failed it. Returns the error type, or null.
     */
    private static String answered(Span server, Span client, ExchangeLog log, JsonRpcMessage message) {
        String idKey = message.id() == null ? "null" : message.id().toString();
        for (ServerAnswer answer : log.answers()) {
            if (!answer.idKey().equals(idKey)) {
                continue;
            }
            if (answer.recorded() != null) {
                server.setAttribute(GEN_AI_TOOL_CALL_RESULT, answer.recorded());
            }
            String errorType = answer.errorCode() != null
                    ? String.valueOf(answer.errorCode())
                    : answer.toolError() ? "tool_error" : null;
            if (errorType == null) {
                return null;
            }
            for (Span span : new Span[] {server, client}) {
                if (answer.errorCode() != null) {
                    span.setAttribute(RPC_RESPONSE_STATUS_CODE, errorType);
                }
                span.setAttribute(ERROR_TYPE, errorType);
                span.setStatus(StatusCode.ERROR, answer.toolError() ? "tool failed" : "error answer");
            }
            return errorType;
        }
        return null;
    }

    private void measure(ExchangeLog log, MessageNames names, Outcome outcome, String errorType) {
        trail.metrics()
                .operation(
                        seconds(log.startEpochNanos(), log.endEpochNanos()),
                        names.method(),
                        names.tool(),
                        outcome.wireName(),
                        errorType);
    }

    private static double seconds(long fromEpochNanos, long toEpochNanos) {
        return Math.max(0, toEpochNanos - fromEpochNanos) / 1e9;
    }
}
