package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.audit.AuditTrail;
import io.mcpguard.proxy.audit.ExchangeAudit;
import io.mcpguard.proxy.audit.RelayAudit;
import io.mcpguard.proxy.audit.RequestAudit;
import io.mcpguard.proxy.auth.AuthenticationHandler;
import io.mcpguard.proxy.auth.Authenticator;
import io.mcpguard.proxy.auth.Identity;
import io.mcpguard.proxy.forward.AnswerPlan;
import io.mcpguard.proxy.forward.RelayListener;
import io.mcpguard.proxy.forward.ServerAnswer;
import io.mcpguard.proxy.forward.UpstreamClient;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcException;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.PolicyGate;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.policy.ToolViews;
import io.mcpguard.proxy.policy.TransportFacts;
import io.mcpguard.proxy.quota.QuotaGate;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP Streamable HTTP endpoint: routes each request, and puts every POSTed message through decode → policy →
 * forward. GET (the server's stream) and DELETE (end of session) carry no message and are forwarded as they are;
 * the upstream's 404 for an unknown session and 405 for a stream it does not offer reach the client unchanged.
 *
 * <p>One exchange at a time per connection: reading stops while a request is decided and answered, and resumes
 * when the answer is complete, so a pipelining client cannot interleave two exchanges.
 */
@ChannelHandler.Sharable
public final class McpEndpointHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(McpEndpointHandler.class);
    private static final String ALLOWED_METHODS = "GET, POST, DELETE";
    private static final String MCP_METHOD_HEADER = "Mcp-Method";
    private static final String MCP_NAME_HEADER = "Mcp-Name";

    private final String mcpPath;
    private final JsonRpcDecoder decoder;
    /** Set while the server's GET stream is relayed on this connection ({@link StreamGuard} reads it). */
    static final AttributeKey<Boolean> SERVER_STREAM = AttributeKey.valueOf("mcpguard.server-stream");

    /** What the last answer on this connection had masked, for the audit path. */
    public static final AttributeKey<MaskCounts> MASK_COUNTS = AttributeKey.valueOf("mcpguard.mask-counts");

    private final SubjectResolver subjects;
    private final PolicyGate gate;
    private final QuotaGate quotas;
    private final UpstreamClient upstream;
    private final HttpAnswers answers;
    private final Authenticator authenticator;
    private final ToolViews toolViews = new ToolViews(100_000);
    private final AuditTrail audit;

    public McpEndpointHandler(
            String mcpPath,
            JsonRpcDecoder decoder,
            SubjectResolver subjects,
            PolicyGate gate,
            QuotaGate quotas,
            UpstreamClient upstream,
            HttpAnswers answers,
            Authenticator authenticator,
            AuditTrail audit) {
        this.audit = audit;
        this.authenticator = authenticator;
        this.mcpPath = mcpPath;
        this.decoder = decoder;
        this.subjects = subjects;
        this.gate = gate;
        this.quotas = quotas;
        this.upstream = upstream;
        this.answers = answers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        RequestReadTimeoutHandler.requestReceived(ctx);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongFrameException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            answers.text(ctx, status, "malformed HTTP request", false, null);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.rawPath();
        if ("/healthz".equals(path) && HttpMethod.GET.equals(request.method())) {
            answers.text(ctx, HttpResponseStatus.OK, "ok", keepAlive, null);
            return;
        }
        if (!mcpPath.equals(path)) {
            answers.text(ctx, HttpResponseStatus.NOT_FOUND, "no MCP endpoint at this path", keepAlive, null);
            return;
        }
        String query = uri.rawQuery().isEmpty() ? null : uri.rawQuery();
        HttpMethod method = request.method();
        if (HttpMethod.POST.equals(method)) {
            post(ctx, request, query, keepAlive);
        } else if (HttpMethod.GET.equals(method)) {
            // A resumed stream (Last-Event-ID) can replay a tools/list answer: cut it to the subject's last view.
            // No decision covers what the server sends on it, so everything maskable is masked (fail closed).
            Subject subject = subjects.subjectOf(ctx, request);
            Set<String> view = toolViews.lastView(request.headers().get("Mcp-Session-Id"), subject.id());
            AnswerPlan stream = AnswerPlan.forStream(view, subject.tenant());
            RequestAudit requestAudit = audit.request(ctx, request).subject(subject);
            ctx.channel().attr(SERVER_STREAM).set(Boolean.TRUE);
            forward(ctx, method, query, request.headers(), null, null, stream, keepAlive, requestAudit);
            // Reading stays off during a relay, so a client that leaves would only be noticed at the next write
            // (a keep-alive, maybe minutes away). One read sees its end at once; the upstream stream is then closed.
            ctx.read();
        } else if (HttpMethod.DELETE.equals(method)) {
            RequestAudit requestAudit = audit.request(ctx, request).subject(subjects.subjectOf(ctx, request));
            forward(ctx, method, query, request.headers(), null, null, AnswerPlan.NONE, keepAlive, requestAudit);
        } else {
            answers.text(
                    ctx,
                    HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "the MCP endpoint accepts " + ALLOWED_METHODS,
                    keepAlive,
                    ALLOWED_METHODS);
        }
    }

    private void post(ChannelHandlerContext ctx, FullHttpRequest request, String query, boolean keepAlive) {
        long receivedEpochNanos = epochNanos();
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            audit.request(ctx, request)
                    .subject(subjects.subjectOf(ctx, request))
                    .refused(
                            HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE.code(),
                            null,
                            "invalid",
                            "a POST to the MCP endpoint must be Content-Type: application/json");
            answers.text(
                    ctx,
                    HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "a POST to the MCP endpoint must be Content-Type: application/json",
                    keepAlive,
                    null);
            return;
        }
        DecodedBody body;
        try {
            body = decoder.decode(ByteBufUtil.getBytes(request.content()));
            checkHeadersMatchBody(request.headers(), body);
        } catch (JsonRpcException e) {
            log.atInfo()
                    .addKeyValue("error.type", e.errorCode().name())
                    .addKeyValue("reason", e.recordedReason())
                    .log("rejected malformed message");
            // The recorded reason names what is wrong (a rule, a limit), never a value from the body; the answer's
            // message may quote a member name, which the client chose and may be anything.
            audit.request(ctx, request)
                    .subject(subjects.subjectOf(ctx, request))
                    .refused(e.errorCode().httpStatus().code(), e.errorCode(), "invalid", e.recordedReason());
            answers.reject(ctx, Refusal.of(e), keepAlive);
            return;
        }
        Identity identity = AuthenticationHandler.identityOf(ctx);
        Subject subject = subjects.subjectOf(ctx, request);
        ExchangeAudit exchange = audit.begin(ctx, request, body, subject, receivedEpochNanos);
        if (authenticator.required() && lacksScope(ctx, identity, body, keepAlive)) {
            exchange.refusedAll(ErrorCode.INSUFFICIENT_SCOPE, "insufficient_scope");
            return;
        }
        TransportFacts facts = transportFacts(ctx, request, body.messages().size());
        HttpHeaders headers = request.headers().copy();
        ctx.channel().config().setAutoRead(false);
        gate.check(body, subject, facts)
                .whenCompleteAsync(
                        (verdict, failure) -> {
                            if (failure != null) { // a bug, not a policy answer: still fail closed
                                log.atError().setCause(failure).log("policy gate failed");
                                Refusal refusal = new Refusal(
                                        null, ErrorCode.POLICY_UNAVAILABLE, "policy check failed; not sent", null);
                                exchange.refusedAll(ErrorCode.POLICY_UNAVAILABLE, "unavailable");
                                answers.reject(ctx, refusal, false);
                                return;
                            }
                            afterVerdict(ctx, verdict, body, subject, headers, query, keepAlive, exchange);
                        },
                        ctx.executor());
    }

    private void afterVerdict(
            ChannelHandlerContext ctx,
            GateVerdict verdict,
            DecodedBody body,
            Subject subject,
            HttpHeaders headers,
            String query,
            boolean keepAlive,
            ExchangeAudit exchange) {
        exchange.decided(verdict);
        if (!ctx.channel().isActive()) {
            exchange.abandoned();
            return;
        }
        if (!verdict.allowed()) {
            exchange.refused(verdict.refusals());
            JsonRpcMessage stepUp = verdict.stepUpFor();
            if (stepUp != null) {
                // The policy would allow this with a second factor: tell the client how to get one (MCP
                // authorization "Step-Up Authorization Flow"), with the refusals as the JSON-RPC answer.
                String challenge = authenticator
                        .challenges()
                        .insufficientScope(
                                authenticator.scopes().stepUpFor(stepUp), "multi-factor authentication required");
                answers.challenge(
                                ctx,
                                ErrorCode.INSUFFICIENT_SCOPE,
                                answers.refusalBody(verdict.refusals(), body.batch()),
                                challenge,
                                keepAlive)
                        .addListener(f -> resumeReading(ctx));
                return;
            }
            answers.refuse(ctx, verdict.refusals(), body.batch(), keepAlive).addListener(f -> resumeReading(ctx));
            return;
        }
        quotas.enforce(verdict)
                .whenCompleteAsync(
                        (quota, failure) -> {
                            if (failure == null) {
                                exchange.quotaTaken(quota.taken());
                            }
                            if (!ctx.channel().isActive()) {
                                exchange.abandoned();
                                return;
                            }
                            if (failure != null) { // a bug, not a quota answer: still fail closed
                                log.atError().setCause(failure).log("quota gate failed");
                                exchange.refusedAll(ErrorCode.POLICY_UNAVAILABLE, "unavailable");
                                answers.reject(
                                        ctx,
                                        new Refusal(
                                                null,
                                                ErrorCode.POLICY_UNAVAILABLE,
                                                "quota check failed; not sent",
                                                null),
                                        false);
                                return;
                            }
                            List<Refusal> refusals = quota.refusals();
                            if (!refusals.isEmpty()) {
                                exchange.refused(refusals);
                                answers.refuse(ctx, refusals, body.batch(), keepAlive)
                                        .addListener(f -> resumeReading(ctx));
                                return;
                            }
                            AnswerPlan plan = plan(verdict, subject.tenant()).recording(recorded(verdict));
                            plan.visibleTools()
                                    .values()
                                    .forEach(view ->
                                            toolViews.remember(headers.get("Mcp-Session-Id"), subject.id(), view));
                            forward(
                                    ctx,
                                    HttpMethod.POST,
                                    query,
                                    headers,
                                    body,
                                    single(body),
                                    plan,
                                    keepAlive,
                                    exchange);
                        },
                        ctx.executor());
    }

    /** The ids of the tools/call requests whose results the audit trail records (opt-in), else none. */
    private Set<String> recorded(GateVerdict verdict) {
        if (!audit.recordsToolCalls()) {
            return Set.of();
        }
        Set<String> ids = new java.util.HashSet<>();
        for (GateVerdict.Outcome outcome : verdict.outcomes()) {
            if (outcome.message().expectsResponse() && outcome.message().toolName() != null) {
                ids.add(AnswerPlan.idKey(outcome.message().id()));
            }
        }
        return ids;
    }

    /** What the answer path must do for this body: filter its tools/list answers, mask what the decisions said. */
    private static AnswerPlan plan(GateVerdict verdict, String tenant) {
        Map<String, Set<String>> visible = new HashMap<>();
        Map<String, List<String>> masks = new HashMap<>();
        for (GateVerdict.Outcome outcome : verdict.outcomes()) {
            JsonRpcMessage message = outcome.message();
            if (!message.expectsResponse()) {
                continue;
            }
            String key = AnswerPlan.idKey(message.id());
            if ("tools/list".equals(message.method()) && outcome.decision().visibleTools() != null) {
                visible.put(key, outcome.decision().visibleTools());
            }
            if (!outcome.decision().mask().isEmpty()) {
                masks.put(key, outcome.decision().mask());
            }
        }
        return visible.isEmpty() && masks.isEmpty() ? AnswerPlan.NONE : new AnswerPlan(visible, masks, tenant);
    }

    private void forward(
            ChannelHandlerContext ctx,
            HttpMethod method,
            String query,
            HttpHeaders headers,
            DecodedBody body,
            JsonRpcMessage onlyMessage,
            AnswerPlan plan,
            boolean keepAlive,
            RelayAudit relayAudit) {
        ctx.channel().config().setAutoRead(false);
        // The hop continues the audit trace: its CLIENT spans' context goes in the headers and in params._meta.
        byte[] bytes = body == null
                ? null
                : relayAudit instanceof ExchangeAudit exchange
                        ? exchange.forwarding(headers, body.canonicalBytes(), body.batch(), decoder.mapper())
                        : body.canonicalBytes();
        upstream.forward(
                ctx,
                method,
                query,
                headers,
                bytes == null ? null : Unpooled.wrappedBuffer(bytes),
                plan,
                new RelayListener() {
                    @Override
                    public void failedBeforeResponse(ErrorCode code, String message) {
                        log.atWarn()
                                .addKeyValue("error.type", code.name())
                                .addKeyValue("reason", message)
                                .log("upstream failed");
                        relayAudit.upstreamFailed(code);
                        ctx.channel().attr(SERVER_STREAM).set(null);
                        Refusal refusal =
                                new Refusal(onlyMessage == null ? null : onlyMessage.id(), code, message, null);
                        answers.refuse(ctx, List.of(refusal), false, keepAlive).addListener(f -> resumeReading(ctx));
                    }

                    @Override
                    public void completed() {
                        relayAudit.completed();
                        ctx.channel().attr(SERVER_STREAM).set(null);
                        resumeReading(ctx);
                    }

                    @Override
                    public void responded(int httpStatus) {
                        relayAudit.responded(httpStatus);
                    }

                    @Override
                    public void interrupted(String why, boolean clientGone) {
                        relayAudit.interrupted(clientGone);
                    }

                    @Override
                    public void answered(ServerAnswer answer) {
                        relayAudit.answered(answer);
                    }

                    @Override
                    public void masked(MaskCounts counts) {
                        // Counts per class, never values: on the audit spans, and on the channel for other readers.
                        ctx.channel().attr(MASK_COUNTS).set(counts);
                        relayAudit.masked(counts);
                    }
                });
    }

    /**
     * Refuses, with 403 {@code insufficient_scope} naming what is needed, a body with a message whose method or
     * tool needs a scope the credential was not granted ({@code auth.method-scopes}, {@code auth.tool-scopes}).
     */
    private boolean lacksScope(ChannelHandlerContext ctx, Identity identity, DecodedBody body, boolean keepAlive) {
        for (JsonRpcMessage message : body.messages()) {
            java.util.Set<String> needed = authenticator.scopes().requiredFor(message);
            if (!identity.scopes().containsAll(needed)) {
                log.atInfo()
                        .addKeyValue("event.name", "security.insufficient_scope")
                        .addKeyValue(
                                "mcp.policy.subject.id",
                                audit.subjectIdAsRecorded(identity.subject().id()))
                        .addKeyValue("mcp.method", audit.clientText().of(message.method()))
                        .addKeyValue("gen_ai.tool.name", audit.clientText().of(message.toolName()))
                        .addKeyValue("scopes.needed", needed)
                        .log("request refused: insufficient scope");
                Refusal refusal = new Refusal(
                        body.batch() ? null : message.id(),
                        ErrorCode.INSUFFICIENT_SCOPE,
                        "Insufficient scope: this request needs " + String.join(" ", needed),
                        null);
                answers.challenge(
                        ctx,
                        refusal.code(),
                        refusal.toJson(),
                        authenticator.challenges().insufficientScope(needed, "a required scope is missing"),
                        keepAlive);
                return true;
            }
        }
        return false;
    }

    private static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static JsonRpcMessage single(DecodedBody body) {
        return body.batch() ? null : body.messages().get(0);
    }

    private static void resumeReading(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    /**
     * MCP 2026-07-28 mirrors the method and name in headers. The policy decides on the body; a server that routes
     * on the header must not see a different method, so a disagreement is refused (-32020) rather than forwarded.
     */
    private static void checkHeadersMatchBody(HttpHeaders headers, DecodedBody body) throws JsonRpcException {
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
            String bodyName = message.params() == null
                    ? null
                    : textOrNull(message.params().get("name"));
            if (bodyName == null) {
                bodyName = message.params() == null
                        ? null
                        : textOrNull(message.params().get("uri"));
            }
            if (!name.equals(bodyName)) {
                throw new JsonRpcException(
                        ErrorCode.HEADER_MISMATCH, "Mcp-Name header does not match the body", message.id());
            }
        }
    }

    private static String textOrNull(com.fasterxml.jackson.databind.JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    private static TransportFacts transportFacts(ChannelHandlerContext ctx, FullHttpRequest request, int batchSize) {
        String address = ctx.channel().remoteAddress() instanceof InetSocketAddress peer
                ? peer.getAddress().getHostAddress()
                : String.valueOf(ctx.channel().remoteAddress());
        return new TransportFacts(
                address,
                ctx.pipeline().get(SslHandler.class) != null,
                request.method().name(),
                new QueryStringDecoder(request.uri()).rawPath(),
                request.headers().get("Mcp-Session-Id"),
                request.headers().get("MCP-Protocol-Version"),
                batchSize);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A client resetting its connection is ordinary (a CLI exiting); anything else deserves attention.
        var level = cause instanceof java.io.IOException ? org.slf4j.event.Level.DEBUG : org.slf4j.event.Level.WARN;
        log.atLevel(level)
                .addKeyValue("error", cause.getClass().getSimpleName())
                .log("client connection failed");
        ctx.close();
    }
}
