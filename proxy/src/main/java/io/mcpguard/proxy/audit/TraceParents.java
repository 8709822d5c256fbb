package io.mcpguard.proxy.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The trace context a client named for a request: its W3C {@code traceparent}/{@code tracestate} headers, or a
 * message's {@code params._meta} (MCP SEP-414). Only W3C Trace Context is read; a client's baggage is not, since the
 * proxy cannot vouch for it.
 */
final class TraceParents {
    private static final TextMapPropagator PROPAGATOR = W3CTraceContextPropagator.getInstance();

    private TraceParents() {}

    /** The context the headers name; the root context when they name none (or an invalid one). */
    static Context fromHeaders(String traceparent, String tracestate) {
        if (traceparent == null) {
            return Context.root();
        }
        Map<String, String> carrier = tracestate == null
                ? Map.of("traceparent", traceparent)
                : Map.of("traceparent", traceparent, "tracestate", tracestate);
        return PROPAGATOR.extract(Context.root(), carrier, MapGetter.INSTANCE);
    }

    /** The context a message's {@code params._meta} names, or null when it names none. */
    static Context fromMeta(JsonNode params) {
        JsonNode meta = params == null ? null : params.get("_meta");
        if (meta == null || !meta.isObject() || !meta.has("traceparent")) {
            return null;
        }
        return PROPAGATOR.extract(Context.root(), meta, MetaGetter.INSTANCE);
    }

    private enum MapGetter implements TextMapGetter<Map<String, String>> {
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

    private enum MetaGetter implements TextMapGetter<JsonNode> {
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
