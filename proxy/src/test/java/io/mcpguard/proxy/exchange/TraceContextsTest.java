package io.mcpguard.proxy.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.SpanContext;
import org.junit.jupiter.api.Test;

/** The one reading of a client's trace context that the forward stage and the audit trail share. */
class TraceContextsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String SPAN = "b7ad6b7169203331";
    private static final String TRACEPARENT = "00-" + TRACE + "-" + SPAN + "-01";

    private static JsonNode params(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void headers_name_the_clients_trace_and_its_state() {
        SpanContext context = TraceContexts.ofHeaders(TRACEPARENT, "vendor=opaque");

        assertThat(context.isValid()).isTrue();
        assertThat(context.isRemote()).isTrue();
        assertThat(context.getTraceId()).isEqualTo(TRACE);
        assertThat(context.getSpanId()).isEqualTo(SPAN);
        assertThat(context.isSampled()).isTrue();
        assertThat(context.getTraceState().get("vendor")).isEqualTo("opaque");
    }

    @Test
    void a_traceparent_without_tracestate_is_read_with_an_empty_state() {
        SpanContext context = TraceContexts.ofHeaders(TRACEPARENT, null);

        assertThat(context.getTraceId()).isEqualTo(TRACE);
        assertThat(context.getTraceState().isEmpty()).isTrue();
    }

    @Test
    void no_or_a_malformed_traceparent_names_no_trace() {
        assertThat(TraceContexts.ofHeaders(null, "vendor=opaque").isValid()).isFalse();
        assertThat(TraceContexts.ofHeaders("00-not-a-trace-01", null).isValid()).isFalse();
        // An all-zero trace id is invalid by W3C Trace Context: it must not become a parent.
        assertThat(TraceContexts.ofHeaders("00-00000000000000000000000000000000-" + SPAN + "-01", null)
                        .isValid())
                .isFalse();
    }

    @Test
    void meta_names_the_clients_trace_and_its_state() throws Exception {
        SpanContext context = TraceContexts.ofMeta(params("{\"name\":\"t\",\"_meta\":{\"traceparent\":\"" + TRACEPARENT
                + "\",\"tracestate\":\"vendor=opaque\",\"progressToken\":7}}"));

        assertThat(context.isValid()).isTrue();
        assertThat(context.getTraceId()).isEqualTo(TRACE);
        assertThat(context.getSpanId()).isEqualTo(SPAN);
        assertThat(context.getTraceState().get("vendor")).isEqualTo("opaque");
    }

    @Test
    void meta_without_a_usable_traceparent_names_no_trace() throws Exception {
        assertThat(TraceContexts.ofMeta(null).isValid()).isFalse();
        assertThat(TraceContexts.ofMeta(params("{\"name\":\"t\"}")).isValid()).isFalse();
        assertThat(TraceContexts.ofMeta(params("{\"_meta\":\"" + TRACEPARENT + "\"}"))
                        .isValid())
                .isFalse();
        assertThat(TraceContexts.ofMeta(params("{\"_meta\":{\"progressToken\":7}}"))
                        .isValid())
                .isFalse();
        // Only a string is a traceparent: a number or an object in its place names nothing.
        assertThat(TraceContexts.ofMeta(params("{\"_meta\":{\"traceparent\":7}}"))
                        .isValid())
                .isFalse();
        assertThat(TraceContexts.ofMeta(params("{\"_meta\":{\"traceparent\":{\"v\":\"" + TRACEPARENT + "\"}}}"))
                        .isValid())
                .isFalse();
    }

    @Test
    void a_tracestate_that_is_not_a_string_is_ignored_and_the_trace_kept() throws Exception {
        SpanContext context = TraceContexts.ofMeta(
                params("{\"_meta\":{\"traceparent\":\"" + TRACEPARENT + "\",\"tracestate\":[\"vendor=opaque\"]}}"));

        assertThat(context.getTraceId()).isEqualTo(TRACE);
        assertThat(context.getTraceState().isEmpty()).isTrue();
    }

    @Test
    void the_carriers_name_their_fields_to_a_propagator_that_asks_and_no_carrier_names_nothing() throws Exception {
        // The W3C propagator reads fields by name; another propagator may list them first (TextMapGetter.keys).
        JsonNode meta = params("{\"traceparent\":\"" + TRACEPARENT + "\",\"progressToken\":7}");

        assertThat(TraceContexts.MetaGetter.INSTANCE.keys(meta)).containsExactly("traceparent", "progressToken");
        assertThat(TraceContexts.MetaGetter.INSTANCE.get(meta, "progressToken"))
                .as("not a string: no trace field")
                .isNull();
        assertThat(TraceContexts.MetaGetter.INSTANCE.get(null, "traceparent")).isNull();
        assertThat(TraceContexts.MapGetter.INSTANCE.keys(java.util.Map.of("traceparent", TRACEPARENT)))
                .containsExactly("traceparent");
        assertThat(TraceContexts.MapGetter.INSTANCE.get(null, "traceparent")).isNull();
        assertThat(TraceContexts.MapGetter.INSTANCE.get(java.util.Map.of("traceparent", TRACEPARENT), "traceparent"))
                .isEqualTo(TRACEPARENT);
    }
}
