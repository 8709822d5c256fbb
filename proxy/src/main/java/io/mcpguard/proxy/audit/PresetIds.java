package io.mcpguard.proxy.audit;

import io.opentelemetry.sdk.trace.IdGenerator;

/**
 * The SDK's id generator, able to use ids chosen earlier. The trail records an exchange's spans when it completes,
 * but the forward stage put the hop's trace context on the wire before that; the CLIENT span (and a root SERVER
 * span's trace) must carry exactly those ids, or the server's spans would hang off nothing. Ids are preset for the
 * next span started on this thread, and used once; otherwise ids are random.
 */
final class PresetIds implements IdGenerator {
    private static final IdGenerator RANDOM = IdGenerator.random();
    private static final ThreadLocal<String> NEXT_TRACE_ID = new ThreadLocal<>();
    private static final ThreadLocal<String> NEXT_SPAN_ID = new ThreadLocal<>();

    /** Presets the ids of the next span started on this thread; null leaves that id random. */
    static void next(String traceId, String spanId) {
        NEXT_TRACE_ID.set(traceId);
        NEXT_SPAN_ID.set(spanId);
    }

    /** Drops what {@link #next} preset and the SDK did not use (a span with a parent never asks for a trace id). */
    static void clear() {
        NEXT_TRACE_ID.remove();
        NEXT_SPAN_ID.remove();
    }

    @Override
    public String generateSpanId() {
        String preset = NEXT_SPAN_ID.get();
        if (preset != null) {
            NEXT_SPAN_ID.remove();
            return preset;
        }
        return RANDOM.generateSpanId();
    }

    @Override
    public String generateTraceId() {
        String preset = NEXT_TRACE_ID.get();
        if (preset != null) {
            NEXT_TRACE_ID.remove();
            return preset;
        }
        return RANDOM.generateTraceId();
    }
}
