package io.mcpguard.proxy.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.bridge.LegacyBridge;
import io.mcpguard.proxy.bridge.ModernEnvelope;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.forward.AnswerPlan;
import io.mcpguard.proxy.forward.TraceContextInjector;
import io.mcpguard.proxy.forward.UpstreamClient;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.HashMap;
import java.util.Map;

/** The forward stage's way for a 2026-07-28 request to a legacy-era server: through the subject's bridged session. */
final class BridgedForward {
    private final LegacyBridge bridge;
    private final UpstreamClient upstream;
    private final TraceContextInjector tracing;
    private final Replies replies;
    private final ObjectMapper json;

    BridgedForward(
            LegacyBridge bridge,
            UpstreamClient upstream,
            TraceContextInjector tracing,
            Replies replies,
            ObjectMapper json) {
        this.bridge = bridge;
        this.upstream = upstream;
        this.tracing = tracing;
        this.replies = replies;
        this.json = json;
    }

    /**
     * A 2026-07-28 request to a legacy-era server: sent in the subject's bridged session without the modern
     * envelope, its answer reshaped for the modern client; a {@code server/discover} is answered from the session.
     * The decision, masks and audit are those of the message the client sent, as for any other request.
     */
    void forward(ChannelHandlerContext ctx, Exchange exchange, AnswerPlan plan) {
        String subject = exchange.subject().id();
        Map<String, String> methods = new HashMap<>();
        for (JsonRpcMessage message : exchange.body().messages()) {
            if (message.expectsResponse()) {
                methods.put(AnswerPlan.idKey(message.id()), message.method());
            }
        }
        AnswerPlan bridgedPlan = plan.bridging(methods);
        if (ForwardStage.listens(exchange)) {
            // A legacy server has no subscriptions/listen, and the bridge does not turn one into its GET stream:
            // the discovery answer promised no list changes or subscriptions.
            ctx.channel().attr(ForwardStage.SERVER_STREAM).set(null);
            String why = "subscriptions/listen is not available through the proxy's era bridge";
            exchange.log()
                    .refused(
                            Outcome.ERROR,
                            ErrorCode.METHOD_NOT_FOUND.httpStatus().code(),
                            ErrorCode.METHOD_NOT_FOUND,
                            why);
            replies.reject(
                    ctx,
                    new Refusal(exchange.body().messages().get(0).id(), ErrorCode.METHOD_NOT_FOUND, why, null),
                    exchange.keepAlive());
            return;
        }
        bridge.session(ctx.channel().eventLoop(), subject)
                .whenComplete((session, failure) -> ctx.executor().execute(() -> {
                    if (failure != null) {
                        new ExchangeRelayListener(ctx, exchange, replies, null)
                                .failedBeforeResponse(
                                        ErrorCode.UPSTREAM_UNAVAILABLE,
                                        "MCP server did not open a session for the proxy's era bridge");
                        return;
                    }
                    JsonRpcMessage first = exchange.body().messages().get(0);
                    ExchangeRelayListener listener =
                            new ExchangeRelayListener(ctx, exchange, replies, () -> bridge.lost(subject, session));
                    if ("server/discover".equals(first.method())) {
                        exchange.log().forwarded(null);
                        upstream.answerLocally(
                                ctx, ModernEnvelope.discoverAnswer(first.id(), session, json), bridgedPlan, listener);
                        return;
                    }
                    DecodedBody legacy = ModernEnvelope.forLegacy(exchange.body(), json);
                    HttpHeaders headers = LegacyBridge.sessionHeaders(exchange.headers(), session);
                    TraceContextInjector.Injected hop = ForwardStage.hop(tracing, headers, legacy);
                    exchange.log().forwarded(hop.hops());
                    upstream.forward(
                            ctx,
                            HttpMethod.POST,
                            exchange.query(),
                            headers,
                            Unpooled.wrappedBuffer(hop.body()),
                            bridgedPlan,
                            listener,
                            subject);
                }));
    }
}
