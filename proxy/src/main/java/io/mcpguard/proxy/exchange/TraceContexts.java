package io.mcpguard.proxy.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The trace context a client named for a request, read the one way both the forward stage (which continues it on the
 * hop) and the audit trail (which parents its spans on it) must agree on: W3C Trace Context from the {@code
 * traceparent}/{@code tracestate} headers, or from a message's {@code params._meta} (MCP SEP-414). A client's baggage
 * is never read: the proxy cannot vouch for it.
 */
public final class TraceContexts {
    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

    private TraceContexts() {}

    /** The context the headers name, or the invalid context when they name none (or a malformed one). */
    public static SpanContext ofHeaders(String traceparent, String tracestate) {
        if (traceparent == null) {
            return SpanContext.getInvalid();
        }
        Map<String, String> carrier = tracestate == null
                ? Map.of("traceparent", traceparent)
                : Map.of("traceparent", traceparent, "tracestate", tracestate);
        return Span.fromContext(W3C.extract(Context.root(), carrier, MapGetter.INSTANCE))
                .getSpanContext();
    }

    /** The context a message's {@code params._meta} names, or the invalid context when it names none. */
    public static SpanContext ofMeta(JsonNode params) {
        JsonNode meta = params == null ? null : params.get("_meta");
        if (meta == null || !meta.isObject() || !meta.has("traceparent")) {
            return SpanContext.getInvalid();
        }
        return Span.fromContext(W3C.extract(Context.root(), meta, MetaGetter.INSTANCE))
                .getSpanContext();
    }

    enum MapGetter implements TextMapGetter<Map<String, String>> {
        INSTANCE;

        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    }

    enum MetaGetter implements TextMapGetter<JsonNode> {
        INSTANCE;

        @Override
        public Iterable<String> keys(JsonNode carrier) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = carrier.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            return names;
        }

        @Override
        public String get(JsonNode carrier, String key) {
            JsonNode value = carrier == null ? null : carrier.get(key);
            return value != null && value.isTextual() ? value.asText() : null;
        }
    }
}
