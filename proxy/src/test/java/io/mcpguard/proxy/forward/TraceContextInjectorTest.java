package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.exchange.HopContext;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TraceContextInjectorTest {
    private static final JsonRpcDecoder DECODER = new JsonRpcDecoder(64, 1 << 20, 32);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEADER_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String META_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    private final TraceContextInjector injector = new TraceContextInjector(DECODER.mapper());

    private static DecodedBody decode(String json) throws Exception {
        return DECODER.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void the_hop_continues_the_clients_trace_with_a_new_span_and_replaces_its_headers() throws Exception {
        HttpHeaders headers = new DefaultHttpHeaders()
                .set("traceparent", "00-" + HEADER_TRACE + "-b7ad6b7169203331-01")
                .set("tracestate", "vendor=1");
        DecodedBody body = decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}");

        TraceContextInjector.Injected injected = injector.inject(headers, body);

        HopContext hop = injected.hops().get(0);
        assertThat(hop.traceId()).isEqualTo(HEADER_TRACE);
        assertThat(hop.spanId()).hasSize(16).isNotEqualTo("b7ad6b7169203331");
        assertThat(headers.get("traceparent")).isEqualTo("00-" + HEADER_TRACE + "-" + hop.spanId() + "-01");
        assertThat(headers.get("tracestate")).isEqualTo("vendor=1");
        JsonNode sent = JSON.readTree(injected.body());
        assertThat(sent.get("params").get("_meta").get("traceparent").asText()).isEqualTo(headers.get("traceparent"));
    }

    @Test
    void a_messages_own_meta_context_wins_over_the_header_and_other_members_are_untouched() throws Exception {
        HttpHeaders headers =
                new DefaultHttpHeaders().set("traceparent", "00-" + HEADER_TRACE + "-b7ad6b7169203331-01");
        DecodedBody body = decode("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
                + "\"_meta\":{\"traceparent\":\"00-" + META_TRACE + "-00f067aa0ba902b7-01\",\"progressToken\":7}}},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}]");

        TraceContextInjector.Injected injected = injector.inject(headers, body);

        assertThat(injected.hops()).extracting(HopContext::traceId).containsExactly(META_TRACE, HEADER_TRACE);
        JsonNode sent = JSON.readTree(injected.body());
        JsonNode meta = sent.get(0).get("params").get("_meta");
        assertThat(meta.get("traceparent").asText())
                .contains(META_TRACE)
                .contains(injected.hops().get(0).spanId());
        assertThat(meta.get("progressToken").asInt()).isEqualTo(7);
        assertThat(sent.get(1).has("params"))
                .as("a message without params gets none")
                .isFalse();
        assertThat(sent.get(0).get("params").get("name").asText()).isEqualTo("t");
    }

    @Test
    void a_message_without_any_context_starts_a_new_trace() throws Exception {
        HttpHeaders headers = new DefaultHttpHeaders().set("traceparent", "garbage");
        DecodedBody body = decode("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"ping\"}");

        TraceContextInjector.Injected injected = injector.inject(headers, body);

        HopContext hop = injected.hops().get(0);
        assertThat(hop.traceId()).hasSize(32).isNotEqualTo("00000000000000000000000000000000");
        assertThat(headers.get("traceparent")).isEqualTo("00-" + hop.traceId() + "-" + hop.spanId() + "-01");
        assertThat(injected.body()).as("nothing to add the context to").isEqualTo(body.canonicalBytes());
    }

    @Test
    void only_messages_whose_meta_is_an_object_carry_the_context_in_the_body() throws Exception {
        HttpHeaders headers = new DefaultHttpHeaders();
        DecodedBody body =
                decode("[{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x/b\",\"params\":{\"_meta\":\"opaque\"}},"
                        + "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"x/c\",\"params\":{\"_meta\":{\"traceparent\":\"old\","
                        + "\"tracestate\":\"old=1\"}}}]");

        TraceContextInjector.Injected injected = injector.inject(headers, body);

        JsonNode sent = JSON.readTree(injected.body());
        assertThat(sent.isArray()).isTrue();
        assertThat(sent.get(0).at("/params/_meta").asText()).isEqualTo("opaque");
        assertThat(sent.get(1).at("/params/_meta/traceparent").asText())
                .isEqualTo("00-" + injected.hops().get(1).traceId() + "-"
                        + injected.hops().get(1).spanId() + "-01");
        assertThat(sent.get(1).at("/params/_meta").has("tracestate"))
                .as("the client's malformed state is not carried on")
                .isFalse();
        assertThat(injected.hops()).hasSize(2);
        assertThat(headers.get("traceparent")).contains(injected.hops().get(0).spanId());
    }

    @Test
    void a_single_message_whose_meta_is_no_object_is_sent_as_decided() throws Exception {
        DecodedBody body = decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x/a\",\"params\":{\"_meta\":7}}");

        TraceContextInjector.Injected injected = injector.inject(new DefaultHttpHeaders(), body);

        assertThat(injected.body()).isEqualTo(body.canonicalBytes());
    }
}
