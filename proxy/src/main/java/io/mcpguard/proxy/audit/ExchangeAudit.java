package io.mcpguard.proxy.audit;

import static io.mcpguard.proxy.audit.AuditAttributes.*;
import static io.mcpguard.proxy.audit.SpanValues.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.forward.AnswerPlan;
import io.mcpguard.proxy.forward.ServerAnswer;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.policy.Decision;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.quota.QuotaOutcome;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The audit spans of one POSTed body: a SERVER span per JSON-RPC message from the client, and, once the message is
 * forwarded, a CLIENT span per message for the hop to the guarded server, child of its SERVER span.
 *
 * <p>Every method runs on the client connection's event loop and only records in memory. Each span ends exactly
 * once; a late call for an ended span does nothing.
 *
 * <p>What is never recorded: tool arguments and results, the client's credential, any header value other than the
 * session id and protocol version. Policy reasons are recorded; the policy marks them safe to show the caller.
 */
public final class ExchangeAudit implements RelayAudit {
    private static final String TRACEPARENT = "traceparent";
    private static final String TRACESTATE = "tracestate";

    private final AuditTrail trail;
    private final List<MessageSpans> spans;
    private final long startEpochNanos;
    private String subjectRecorded;

    private ExchangeAudit(AuditTrail trail, List<MessageSpans> spans) {
        this.trail = trail;
        this.spans = spans;
        this.startEpochNanos = 0;
    }

    static ExchangeAudit disabled(DecodedBody body) {
        return new ExchangeAudit(null, List.of());
    }

    ExchangeAudit(
            AuditTrail trail,
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            DecodedBody body,
            Subject subject,
            Context fromHeaders,
            long startEpochNanos) {
        this.trail = trail;
        this.startEpochNanos = startEpochNanos;
        this.spans = new ArrayList<>(body.messages().size());
        HttpHeaders headers = request.headers();
        String protocolVersion = headers.get("MCP-Protocol-Version");
        String sessionId = headers.get("Mcp-Session-Id");
        SpanContext headerParent = Span.fromContext(fromHeaders).getSpanContext();
        for (JsonRpcMessage message : body.messages()) {
            MessageNames names = MessageNames.of(message, trail.clientText());
            Context fromMeta = trail.fromMeta(message.params());
            SpanContext metaParent = fromMeta == null
                    ? SpanContext.getInvalid()
                    : Span.fromContext(fromMeta).getSpanContext();
            SpanBuilder builder = trail.tracer()
                    .spanBuilder(names.spanName())
                    .setSpanKind(SpanKind.SERVER)
                    .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS);
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
            String version = protocolVersion != null
                    ? protocolVersion
                    : "initialize".equals(message.method()) ? message.paramText("initialize", "protocolVersion") : null;
            if (version != null && isKnownVersion(version)) {
                builder.setAttribute(MCP_PROTOCOL_VERSION, version);
            }
            if (sessionId != null && sessionIdApplies(version) && isPlainToken(sessionId)) {
                builder.setAttribute(MCP_SESSION_ID, trail.clientText().of(sessionId));
            }
            builder.setAttribute(NETWORK_TRANSPORT, "tcp");
            builder.setAttribute(NETWORK_PROTOCOL_NAME, "http");
            builder.setAttribute(
                    NETWORK_PROTOCOL_VERSION,
                    request.protocolVersion().majorVersion() + "."
                            + request.protocolVersion().minorVersion());
            if (ctx.channel().remoteAddress() instanceof InetSocketAddress peer) {
                builder.setAttribute(CLIENT_ADDRESS, peer.getAddress().getHostAddress());
                builder.setAttribute(CLIENT_PORT, (long) peer.getPort());
            }
            if (subjectRecorded == null) {
                subjectRecorded = trail.pseudonyms().of(subject.id());
            }
            Span server = builder.startSpan();
            describeSubject(server, subject, subjectRecorded, trail.pseudonyms());
            if (trail.recordsToolCalls() && message.toolName() != null && message.params() != null) {
                JsonNode arguments = message.params().get("arguments");
                if (arguments != null) {
                    server.setAttribute(
                            GEN_AI_TOOL_CALL_ARGUMENTS, trail.snapshots().of(arguments, subject.tenant()));
                }
            }
            spans.add(new MessageSpans(message, names, server));
        }
    }

    /** Puts each message's decision on its span. */
    public void decided(GateVerdict verdict) {
        if (trail != null) {
            trail.metrics().decision(secondsSinceStart());
        }
        List<GateVerdict.Outcome> outcomes = verdict.outcomes();
        for (int i = 0; i < outcomes.size() && i < spans.size(); i++) {
            MessageSpans message = spans.get(i);
            Decision decision = outcomes.get(i).decision();
            message.decision = decision;
            if (decision == null) {
                continue;
            }
            Span span = message.server;
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
        }
    }

    /** What each message's quota bucket held after its take ({@code mcp.policy.quota.remaining}); null: no quota. */
    public void quotaTaken(List<QuotaOutcome> taken) {
        for (int i = 0; i < taken.size() && i < spans.size(); i++) {
            QuotaOutcome outcome = taken.get(i);
            if (outcome != null) {
                spans.get(i).server.setAttribute(POLICY_QUOTA_REMAINING, outcome.remaining());
            }
        }
    }

    /** The client is answered with these refusals, one per message in body order; the spans end. */
    public void refused(List<Refusal> refusals) {
        for (int i = 0; i < refusals.size() && i < spans.size(); i++) {
            MessageSpans message = spans.get(i);
            ErrorCode code = refusals.get(i).code();
            endRefused(message, code, outcomeOf(code, message.decision));
        }
    }

    /** The whole body is refused with one error before (or instead of) a decision; the spans end. */
    public void refusedAll(ErrorCode code, String outcome) {
        for (MessageSpans message : spans) {
            endRefused(message, code, outcome);
        }
    }

    /**
     * The body goes to the server: starts the CLIENT spans and puts their trace context on the hop, in the {@code
     * traceparent}/{@code tracestate} headers (the client's own are replaced) and in each message's {@code
     * params._meta} (SEP-414) when the message has a {@code params} object.
     *
     * @param headers the headers to forward; changed in place
     * @param canonical the re-serialised body the policy saw
     * @return the bytes to forward: {@code canonical}, with only {@code _meta} trace keys added
     */
    public byte[] forwarding(HttpHeaders headers, byte[] canonical, boolean batch, ObjectMapper mapper) {
        if (trail == null || spans.isEmpty()) {
            return canonical;
        }
        for (MessageSpans message : spans) {
            message.server.setAttribute(POLICY_OUTCOME, "allow");
            SpanBuilder builder = trail.tracer()
                    .spanBuilder(message.names.spanName())
                    .setSpanKind(SpanKind.CLIENT)
                    .setParent(Context.root().with(message.server));
            message.names.describe(builder);
            if (trail.upstream() != null) {
                builder.setAttribute(SERVER_ADDRESS, trail.upstream().getHost());
                int port = trail.upstream().getPort();
                builder.setAttribute(SERVER_PORT, (long)
                        (port != -1
                                ? port
                                : "https".equalsIgnoreCase(trail.upstream().getScheme()) ? 443 : 80));
            }
            builder.setAttribute(NETWORK_TRANSPORT, "tcp");
            builder.setAttribute(NETWORK_PROTOCOL_NAME, "http");
            builder.setAttribute(NETWORK_PROTOCOL_VERSION, "1.1");
            message.client = builder.startSpan();
        }
        headers.remove(TRACEPARENT);
        headers.remove(TRACESTATE);
        trail.propagator()
                .inject(
                        Context.root().with(spans.get(0).client),
                        headers,
                        (carrier, key, value) -> carrier.set(key, value));
        return withMetaContext(canonical, batch, mapper);
    }

    private byte[] withMetaContext(byte[] canonical, boolean batch, ObjectMapper mapper) {
        boolean changed = false;
        List<JsonNode> out = new ArrayList<>(spans.size());
        for (MessageSpans message : spans) {
            ObjectNode node = message.message.node();
            JsonNode params = node.get("params");
            JsonNode meta = params == null ? null : params.get("_meta");
            if (params instanceof ObjectNode && (meta == null || meta instanceof ObjectNode)) {
                ObjectNode copy = node.deepCopy();
                ObjectNode copyMeta = ((ObjectNode) copy.get("params")).with("_meta");
                copyMeta.remove(TRACEPARENT);
                copyMeta.remove(TRACESTATE);
                trail.propagator()
                        .inject(
                                Context.root().with(message.client),
                                copyMeta,
                                (carrier, key, value) -> carrier.put(key, value));
                out.add(copy);
                changed = true;
            } else {
                out.add(node);
            }
        }
        if (!changed) {
            return canonical;
        }
        try {
            if (batch) {
                ArrayNode array = JsonNodeFactory.instance.arrayNode();
                out.forEach(array::add);
                return mapper.writeValueAsBytes(array);
            }
            return mapper.writeValueAsBytes(out.get(0));
        } catch (JsonProcessingException e) {
            return canonical; // cannot happen for a tree the same mapper read; the context then rides in the header
        }
    }

    /** The server could not be reached or did not answer in time; the client gets {@code code} instead. */
    @Override
    public void upstreamFailed(ErrorCode code) {
        for (MessageSpans message : spans) {
            if (message.client != null) {
                message.client.setAttribute(ERROR_TYPE, String.valueOf(code.code()));
                message.client.setStatus(StatusCode.ERROR, code.name());
                message.client.end();
                message.client = null;
            }
            endRefused(message, code, "upstream_error");
        }
    }

    /** The client went away before it could be answered; nothing was forwarded. */
    public void abandoned() {
        for (MessageSpans message : spans) {
            if (!message.ended) {
                message.ended = true;
                measure(message, "abandoned", "client_disconnected");
                message.server.setAttribute(POLICY_OUTCOME, "abandoned");
                message.server.setAttribute(ERROR_TYPE, "client_disconnected");
                message.server.setStatus(StatusCode.ERROR, "client disconnected");
                message.server.end();
            }
        }
    }

    /**
     * What the answer path masked, on every message's SERVER span: {@code mcp.policy.masked.total} and {@code
     * mcp.policy.masked.<data class>} — counts, never values. Called before {@link #completed()}.
     */
    @Override
    public void masked(MaskCounts counts) {
        if (trail != null) {
            trail.metrics().masked(counts);
        }
        Span first = null;
        for (MessageSpans message : spans) {
            if (message.ended) {
                continue;
            }
            recordMasked(message.server, counts);
            first = first == null ? message.server : first;
        }
        if (trail != null && first != null) {
            trail.maskingSpike(first, subjectRecorded, counts);
        }
    }

    /**
     * What the server answered to one request, when it failed or is recorded: the JSON-RPC error code ({@code
     * rpc.response.status_code}, {@code error.type}) or a failed tool ({@code error.type = tool_error}), on both
     * spans; the masked answer as {@code gen_ai.tool.call.result} when recording is on. The policy outcome stays
     * {@code allow}: the policy let it through, the server failed it.
     */
    @Override
    public void answered(ServerAnswer answer) {
        for (MessageSpans message : spans) {
            if (message.ended || !answer.idKey().equals(AnswerPlan.idKey(message.message.id()))) {
                continue;
            }
            if (answer.recorded() != null) {
                message.server.setAttribute(GEN_AI_TOOL_CALL_RESULT, answer.recorded());
            }
            String errorType = answer.errorCode() != null
                    ? String.valueOf(answer.errorCode())
                    : answer.toolError() ? "tool_error" : null;
            if (errorType == null) {
                return;
            }
            message.errorType = errorType;
            for (Span span : new Span[] {message.server, message.client}) {
                if (span == null) {
                    continue;
                }
                if (answer.errorCode() != null) {
                    span.setAttribute(RPC_RESPONSE_STATUS_CODE, errorType);
                }
                span.setAttribute(ERROR_TYPE, errorType);
                span.setStatus(StatusCode.ERROR, answer.toolError() ? "tool failed" : "error answer");
            }
            return;
        }
    }

    /** The server's answer was relayed in full. */
    @Override
    public void completed() {
        for (MessageSpans message : spans) {
            if (message.client != null) {
                message.client.end();
                message.client = null;
            }
            if (!message.ended) {
                message.ended = true;
                measure(message, "allow", message.errorType);
                message.server.end();
            }
        }
    }

    /**
     * The relay stopped before the whole answer was relayed: the client left ({@code abandoned}) or the server
     * failed mid-answer ({@code upstream_error}, {@code error.type = upstream_interrupted}).
     */
    @Override
    public void interrupted(boolean clientGone) {
        String outcome = clientGone ? "abandoned" : "upstream_error";
        String errorType = clientGone ? "client_disconnected" : "upstream_interrupted";
        for (MessageSpans message : spans) {
            if (message.client != null) {
                message.client.setAttribute(ERROR_TYPE, errorType);
                message.client.setStatus(StatusCode.ERROR, errorType);
                message.client.end();
                message.client = null;
            }
            if (!message.ended) {
                message.ended = true;
                measure(message, outcome, errorType);
                message.server.setAttribute(POLICY_OUTCOME, outcome);
                message.server.setAttribute(ERROR_TYPE, errorType);
                message.server.setStatus(StatusCode.ERROR, errorType);
                message.server.end();
            }
        }
    }

    private void endRefused(MessageSpans message, ErrorCode code, String outcome) {
        if (message.ended) {
            return;
        }
        message.ended = true;
        measure(message, outcome, String.valueOf(code.code()));
        if ("deny".equals(outcome) || "insufficient_scope".equals(outcome)) {
            denialBurst(message.server);
        }
        Span span = message.server;
        span.setAttribute(POLICY_OUTCOME, outcome);
        span.setAttribute(RPC_RESPONSE_STATUS_CODE, String.valueOf(code.code()));
        span.setAttribute(ERROR_TYPE, String.valueOf(code.code()));
        span.setStatus(StatusCode.ERROR, code.name());
        span.end();
    }

    /** Reports, once per window, a subject refused again and again: a span event, a WARN line and a metric. */
    private void denialBurst(Span span) {
        int denials = trail.denialBursts().count(subjectRecorded, System.nanoTime());
        if (denials > 0) {
            SecurityEvents.raise(
                    trail,
                    span,
                    SecurityEvents.DENIAL_BURST,
                    "burst of refusals for one subject",
                    RequestAudit.fields(
                            SUBJECT_ID.getKey(),
                            subjectRecorded,
                            "mcp.policy.denials",
                            denials,
                            "mcp.policy.window_s",
                            trail.denialBursts().windowSeconds()));
        }
    }

    private void measure(MessageSpans message, String outcome, String errorType) {
        trail.metrics()
                .operation(secondsSinceStart(), message.names.method(), message.names.tool(), outcome, errorType);
    }

    private double secondsSinceStart() {
        java.time.Instant now = java.time.Instant.now();
        long nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return Math.max(0, nowNanos - startEpochNanos) / 1e9;
    }

    private static String outcomeOf(ErrorCode code, Decision decision) {
        return switch (code) {
            case POLICY_DENIED -> "deny";
            case INSUFFICIENT_SCOPE -> decision != null && decision.requiresMfa() ? "step_up" : "insufficient_scope";
            case OVER_QUOTA -> "over_quota";
            case BATCH_NOT_FORWARDED -> "not_sent";
            case POLICY_UNAVAILABLE -> "unavailable";
            case UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, ANSWER_TOO_LARGE -> "upstream_error";
            default -> "error";
        };
    }

    private static final class MessageSpans {
        final JsonRpcMessage message;
        final MessageNames names;
        final Span server;
        Span client;
        Decision decision;
        String errorType;
        boolean ended;

        MessageSpans(JsonRpcMessage message, MessageNames names, Span server) {
            this.message = message;
            this.names = names;
            this.server = server;
        }
    }
}
