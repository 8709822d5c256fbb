package io.mcpguard.proxy.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.bridge.LegacyBridge;
import io.mcpguard.proxy.forward.AnswerPlan;
import io.mcpguard.proxy.forward.ListKind;
import io.mcpguard.proxy.forward.SealedRequestStates;
import io.mcpguard.proxy.forward.TraceContextInjector;
import io.mcpguard.proxy.forward.UpstreamClient;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.ListPatterns;
import io.mcpguard.proxy.policy.ToolViews;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AttributeKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forward stage: sends what the earlier stages let through to the guarded server and relays its answer
 * ({@link UpstreamClient}), inspected as the decision planned ({@link AnswerPlan}). A POST's canonical body goes
 * with the audit trail's trace context on the hop; a GET opens the server's stream, which no decision covers, so it
 * is masked for every class and its tool lists cut to the subject's last view; a DELETE ends the session. What the
 * relay reports goes to the exchange's log; a failure before any answer becomes a JSON-RPC error.
 */
@ChannelHandler.Sharable
public final class ForwardStage extends SimpleChannelInboundHandler<Exchange> {
    /** Set while the server's GET stream is relayed on this connection (the transport's stream guard reads it). */
    public static final AttributeKey<Boolean> SERVER_STREAM = AttributeKey.valueOf("mcpguard.server-stream");

    private static final Logger log = LoggerFactory.getLogger(ForwardStage.class);

    private final UpstreamClient upstream;
    private final ToolViews toolViews;
    private final TraceContextInjector tracing;
    private final boolean recordToolCalls;
    private final Replies replies;
    private final BridgedForward bridged;
    private final SealedRequestStates requestStates;

    /**
     * @param tracing puts the trail's trace context on the hop; null when the audit trail is off
     * @param recordToolCalls whether the answers to tool calls are recorded (masked) for the audit trail
     * @param bridge holds the legacy sessions modern clients are bridged through; null when the server speaks the
     *     modern era itself
     * @param requestStates seals the state of a multi round-trip result for the subject who asked; null seals none
     */
    ForwardStage(
            UpstreamClient upstream,
            ToolViews toolViews,
            TraceContextInjector tracing,
            boolean recordToolCalls,
            Replies replies,
            LegacyBridge bridge,
            ObjectMapper json,
            SealedRequestStates requestStates) {
        super(false);
        this.requestStates = requestStates;
        this.bridged = bridge == null ? null : new BridgedForward(bridge, upstream, tracing, replies, json);
        this.upstream = upstream;
        this.toolViews = toolViews;
        this.tracing = tracing;
        this.recordToolCalls = recordToolCalls;
        this.replies = replies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Exchange exchange) {
        HttpMethod method = exchange.method();
        if (HttpMethod.POST.equals(method)) {
            AnswerPlan plan =
                    plan(exchange.verdict(), exchange.subject().tenant()).recording(recorded(exchange.verdict()));
            if (requestStates != null) {
                String subject = exchange.subject().id();
                plan = plan.sealingStates(state -> requestStates.seal(subject, state));
            }
            if (listens(exchange)) {
                // The stream of the server's own notifications (2026-07-28): held open like the legacy GET stream,
                // its messages masked with every class, the client's leaving noticed at once.
                plan = plan.streamingUnasked();
                ctx.channel().attr(SERVER_STREAM).set(Boolean.TRUE);
                ctx.read();
            }
            if (bridged != null
                    && exchange.transport() != null
                    && exchange.transport().era().modern()) {
                bridged.forward(ctx, exchange, plan);
                return;
            }
            String session = exchange.headers().get("Mcp-Session-Id");
            plan.visibleTools()
                    .values()
                    .forEach(view ->
                            toolViews.remember(session, exchange.subject().id(), view));
            TraceContextInjector.Injected hop = hop(tracing, exchange.headers(), exchange.body());
            exchange.log().forwarded(hop.hops());
            forward(ctx, exchange, Unpooled.wrappedBuffer(hop.body()), plan);
        } else if (HttpMethod.GET.equals(method)) {
            // A resumed stream (Last-Event-ID) can replay a tools/list answer: cut it to the subject's last view.
            // No decision covers what the server sends on it, so everything maskable is masked (fail closed).
            Set<String> view = toolViews.lastView(
                    exchange.headers().get("Mcp-Session-Id"), exchange.subject().id());
            ctx.channel().attr(SERVER_STREAM).set(Boolean.TRUE);
            forward(
                    ctx,
                    exchange,
                    null,
                    AnswerPlan.forStream(view, exchange.subject().tenant()));
            // Reading stays off during a relay, so a client that leaves would only be noticed at the next write
            // (a keep-alive, maybe minutes away). One read sees its end at once; the upstream stream is then closed.
            ctx.read();
        } else {
            forward(ctx, exchange, null, AnswerPlan.NONE);
        }
    }

    private void forward(ChannelHandlerContext ctx, Exchange exchange, ByteBuf body, AnswerPlan plan) {
        upstream.forward(
                ctx,
                exchange.method(),
                exchange.query(),
                exchange.headers(),
                body,
                plan,
                new ExchangeRelayListener(ctx, exchange, replies, null),
                exchange.subject().id());
    }

    /**
     * What goes on the hop: the body's canonical bytes with the audit trail's trace context put on them and on
     * {@code headers}, or the bytes as they are when the trail is off ({@code tracing} null; no hops then).
     */
    static TraceContextInjector.Injected hop(TraceContextInjector tracing, HttpHeaders headers, DecodedBody body) {
        return tracing == null
                ? new TraceContextInjector.Injected(body.canonicalBytes(), null)
                : tracing.inject(headers, body);
    }

    /** Whether the body opens a 2026-07-28 notification stream ({@code subscriptions/listen}). */
    static boolean listens(Exchange exchange) {
        return exchange.hasMessages()
                && !exchange.body().batch()
                && "subscriptions/listen"
                        .equals(exchange.body().messages().get(0).method());
    }

    /** What the answer path must do for this body: filter its tools/list answers, mask what the decisions said. */
    static AnswerPlan plan(GateVerdict verdict, String tenant) {
        Map<String, Set<String>> visible = new HashMap<>();
        Map<String, AnswerPlan.ListCut> itemLists = new HashMap<>();
        Map<String, List<String>> masks = new HashMap<>();
        Set<String> decided = new HashSet<>();
        for (GateVerdict.Outcome outcome : verdict.outcomes()) {
            JsonRpcMessage message = outcome.message();
            if (!message.expectsResponse()) {
                continue;
            }
            String key = AnswerPlan.idKey(message.id());
            decided.add(key);
            if ("tools/list".equals(message.method()) && outcome.decision().visibleTools() != null) {
                visible.put(key, outcome.decision().visibleTools());
            }
            if ("server/discover".equals(message.method())) {
                // A 2026-07-28 discovery answer that lists tools is cut like tools/list; a decision naming no tools
                // for it shows none (fail closed).
                Set<String> tools = outcome.decision().visibleTools();
                visible.put(key, tools == null ? Set.of() : tools);
            }
            ListKind kind = ListKind.of(message.method());
            if (kind != null) {
                // Always cut: a decision that names no patterns for the list shows nothing of it (fail closed).
                ListPatterns patterns = kind == ListKind.PROMPTS
                        ? outcome.decision().visiblePrompts()
                        : outcome.decision().visibleResources();
                itemLists.put(key, new AnswerPlan.ListCut(kind, patterns == null ? ListPatterns.NONE : patterns));
            }
            if (!outcome.decision().mask().isEmpty()) {
                masks.put(key, outcome.decision().mask());
            }
        }
        return new AnswerPlan(visible, masks, tenant, decided).listing(itemLists);
    }

    /** The ids of the tools/call requests whose results the audit trail records (opt-in), else none. */
    private Set<String> recorded(GateVerdict verdict) {
        if (!recordToolCalls) {
            return Set.of();
        }
        Set<String> ids = new HashSet<>();
        for (GateVerdict.Outcome outcome : verdict.outcomes()) {
            if (outcome.message().expectsResponse() && outcome.message().toolName() != null) {
                ids.add(AnswerPlan.idKey(outcome.message().id()));
            }
        }
        return ids;
    }
}
