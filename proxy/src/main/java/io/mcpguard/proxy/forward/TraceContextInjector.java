package io.mcpguard.proxy.forward;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.exchange.HopContext;
import io.mcpguard.proxy.exchange.TraceContexts;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.trace.IdGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts the audit trail's trace context on the hop to the server, so the server's own spans join the trail: in the
 * {@code traceparent}/{@code tracestate} headers (the client's own are replaced) and in each message's {@code
 * params._meta} (MCP SEP-414) when the message has a {@code params} object.
 *
 * <p>Each message continues the trace the client named for it — its {@code params._meta.traceparent} when valid,
 * else the HTTP header's — or starts a new one; the hop gets a new span id. The ids are returned so the audit trail
 * records its CLIENT span with exactly them ({@link HopContext}). Only {@code _meta} trace keys are added to the
 * canonical body the policy saw.
 */
public final class TraceContextInjector {
    private static final String TRACEPARENT = "traceparent";
    private static final String TRACESTATE = "tracestate";

    private final TextMapPropagator propagator = W3CTraceContextPropagator.getInstance();
    private final IdGenerator ids = IdGenerator.random();
    private final ObjectMapper mapper;

    public TraceContextInjector(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** What the hop carries: the bytes to send and each message's trace context, in body order. */
    public record Injected(byte[] body, List<HopContext> hops) {}

    /**
     * @param headers the headers to forward; changed in place
     * @param body the decoded body whose canonical bytes go to the server
     */
    public Injected inject(HttpHeaders headers, DecodedBody body) {
        SpanContext fromHeaders = TraceContexts.ofHeaders(headers.get(TRACEPARENT), headers.get(TRACESTATE));
        List<SpanContext> hops = new ArrayList<>(body.messages().size());
        for (JsonRpcMessage message : body.messages()) {
            SpanContext fromMeta = TraceContexts.ofMeta(message.params());
            SpanContext parent = fromMeta.isValid() ? fromMeta : fromHeaders;
            String traceId = parent.isValid() ? parent.getTraceId() : ids.generateTraceId();
            hops.add(
                    SpanContext.create(traceId, ids.generateSpanId(), TraceFlags.getSampled(), parent.getTraceState()));
        }
        headers.remove(TRACEPARENT);
        headers.remove(TRACESTATE);
        propagator.inject(
                Context.root().with(Span.wrap(hops.get(0))), headers, (carrier, key, value) -> carrier.set(key, value));
        List<HopContext> contexts = hops.stream()
                .map(hop -> new HopContext(hop.getTraceId(), hop.getSpanId()))
                .toList();
        return new Injected(withMetaContext(body, hops), contexts);
    }

    private byte[] withMetaContext(DecodedBody body, List<SpanContext> hops) {
        boolean changed = false;
        List<JsonNode> out = new ArrayList<>(hops.size());
        for (int i = 0; i < hops.size(); i++) {
            ObjectNode node = body.messages().get(i).node();
            JsonNode params = node.get("params");
            JsonNode meta = params == null ? null : params.get("_meta");
            if (params instanceof ObjectNode && (meta == null || meta instanceof ObjectNode)) {
                ObjectNode copy = node.deepCopy();
                ObjectNode copyMeta = ((ObjectNode) copy.get("params")).withObjectProperty("_meta");
                copyMeta.remove(TRACEPARENT);
                copyMeta.remove(TRACESTATE);
                propagator.inject(
                        Context.root().with(Span.wrap(hops.get(i))),
                        copyMeta,
                        (carrier, key, value) -> carrier.put(key, value));
                out.add(copy);
                changed = true;
            } else {
                out.add(node);
            }
        }
        if (!changed) {
            return body.canonicalBytes();
        }
        try {
            if (body.batch()) {
                ArrayNode array = JsonNodeFactory.instance.arrayNode();
                out.forEach(array::add);
                return mapper.writeValueAsBytes(array);
            }
            return mapper.writeValueAsBytes(out.get(0));
        } catch (JsonProcessingException e) {
            return body.canonicalBytes(); // cannot happen for a tree the same mapper read; the header still carries it
        }
    }
}
