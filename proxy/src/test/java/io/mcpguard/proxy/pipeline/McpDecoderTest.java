package io.mcpguard.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcException;
import io.mcpguard.proxy.jsonrpc.ProtocolEra;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.mcpguard.proxy.policy.Subject;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The decode stage's own rules: a POST body must be UTF-8 JSON sent as it is (one Content-Type, no content
 * encoding, no other charset); the MCP headers that mirror the body (Mcp-Method, Mcp-Name, MCP-Protocol-Version) must
 * agree with it; and what passes carries the transport facts the policy reads.
 */
class McpDecoderTest {
    private static final JsonRpcDecoder DECODER = new JsonRpcDecoder(64, 1 << 20, 32);
    private final List<ExchangeLog> completed = new ArrayList<>();
    private final List<Exchange> passed = new ArrayList<>();
    private EmbeddedChannel channel;

    private static final DeclaredTools DECLARED = new DeclaredTools(10);

    private EmbeddedChannel decoder() {
        channel = new EmbeddedChannel(
                new ExchangeLogStage(completed::add),
                new McpDecoder(
                        DECODER,
                        (ctx, request) -> Subject.ANONYMOUS,
                        new Replies(new HttpAnswers(new ObjectMapper())),
                        DECLARED,
                        null),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        passed.add((Exchange) msg);
                    }
                });
        return channel;
    }

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new DefaultHttpHeaders(false); // unvalidated: a value as a lenient parser may pass it
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    private static DecodedBody body(String json) throws JsonRpcException {
        return DECODER.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static FullHttpRequest post(String body, String... headers) {
        FullHttpRequest request = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp", Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        request.headers().set("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().add(headers[i], headers[i + 1]);
        }
        return request;
    }

    private static final String PING = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";

    @Test
    void a_body_in_utf8_without_a_content_encoding_is_readable() {
        for (String type : List.of(
                "application/json",
                "application/json; charset=utf-8",
                "application/json;charset=\"UTF-8\"",
                "application/json; charset=utf8",
                "application/json; profile=mcp; q",
                "application/json; CHARSET = Utf-8")) {
            assertThat(McpDecoder.unreadableBody(headers("Content-Type", type), type))
                    .as(type)
                    .isNull();
        }
        assertThat(McpDecoder.unreadableBody(
                        headers("Content-Type", "application/json", "Content-Encoding", "identity"),
                        "application/json"))
                .isNull();
        assertThat(McpDecoder.unreadableBody(
                        headers("Content-Type", "application/json", "Content-Encoding", " Identity "),
                        "application/json"))
                .isNull();
        assertThat(McpDecoder.unreadableBody(
                        headers("Content-Type", "application/json", "Content-Encoding", ""), "application/json"))
                .isNull();
    }

    @Test
    void another_charset_a_content_encoding_or_two_content_types_make_a_body_unreadable() {
        assertThat(McpDecoder.unreadableBody(
                        headers("Content-Type", "application/json; charset=iso-8859-1"),
                        "application/json; charset=iso-8859-1"))
                .contains("UTF-8");
        assertThat(McpDecoder.unreadableBody(
                        headers("Content-Type", "application/json", "Content-Encoding", "gzip"), "application/json"))
                .contains("content-encoded");
        assertThat(McpDecoder.unreadableBody(
                        headers(
                                "Content-Type",
                                "application/json",
                                "Content-Encoding",
                                "identity",
                                "Content-Encoding",
                                "br"),
                        "application/json"))
                .as("every encoding counts, not only the first")
                .contains("content-encoded");
        assertThat(McpDecoder.unreadableBody(
                        headers("Content-Type", "application/json", "Content-Type", "text/plain"), "application/json"))
                .contains("one Content-Type");
    }

    @Test
    void an_unreadable_body_is_refused_415_and_recorded_before_any_decoding() throws Exception {
        decoder();
        channel.config().setAutoRead(false); // as the router leaves it
        channel.writeInbound(post(PING, "Content-Encoding", "gzip"));

        FullHttpResponse refused = channel.readOutbound();

        assertThat(refused.status().code()).isEqualTo(415);
        assertThat(refused.content().toString(StandardCharsets.UTF_8)).contains("content-encoded");
        assertThat(passed).isEmpty();
        assertThat(completed).singleElement().satisfies(log -> {
            assertThat(log.ending().outcome()).isEqualTo(Outcome.INVALID);
            assertThat(log.ending().httpStatus()).isEqualTo(415);
            assertThat(log.body()).isNull();
        });
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void an_mcp_name_header_must_name_the_tool_or_resource_of_the_body() throws Exception {
        DecodedBody call = body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"get_repository\"}}");
        DecodedBody read = body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{\"uri\":"
                + "\"repo://acme/a\"}}");
        String sentinel = "=?base64?"
                + Base64.getEncoder().encodeToString("get_repository".getBytes(StandardCharsets.UTF_8)) + "?=";

        assertThatCode(() -> McpDecoder.checkHeadersMatchBody(
                        headers("Mcp-Method", "tools/call", "Mcp-Name", "get_repository"), call))
                .doesNotThrowAnyException();
        assertThatCode(() -> McpDecoder.checkHeadersMatchBody(headers("Mcp-Name", sentinel), call))
                .doesNotThrowAnyException();
        assertThatCode(() -> McpDecoder.checkHeadersMatchBody(headers("Mcp-Name", "repo://acme/a"), read))
                .doesNotThrowAnyException();
        assertThatCode(() -> McpDecoder.checkHeadersMatchBody(headers(), call)).doesNotThrowAnyException();

        assertThatThrownBy(() -> McpDecoder.checkHeadersMatchBody(headers("Mcp-Name", "merge"), call))
                .isInstanceOfSatisfying(JsonRpcException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.HEADER_MISMATCH);
                    assertThat(e.getMessage()).contains("Mcp-Name");
                });
        assertThatThrownBy(() -> McpDecoder.checkHeadersMatchBody(headers("Mcp-Name", "get_repository"), body(PING)))
                .as("a message without params names nothing")
                .isInstanceOf(JsonRpcException.class);
        assertThatThrownBy(() -> McpDecoder.checkHeadersMatchBody(
                        headers("Mcp-Name", "get_repository", "Mcp-Name", "merge"), call))
                .hasMessageContaining("sent once");
        assertThatThrownBy(() -> McpDecoder.checkHeadersMatchBody(
                        headers("Mcp-Name", "get_repository"), body("[" + PING + "," + PING.replace("1", "2") + "]")))
                .hasMessageContaining("batch");
        assertThatCode(() -> McpDecoder.checkHeadersMatchBody(
                        headers("Mcp-Name", "repo://acme/a"),
                        body("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"x/custom\",\"params\":{\"name\":7,"
                                + "\"uri\":\"repo://acme/a\"}}")))
                .as("a name that is no string names nothing; the uri is read next")
                .doesNotThrowAnyException();
    }

    @Test
    void a_name_sentinel_is_decoded_only_when_whole_and_valid() {
        assertThat(McpHeaderValues.decode(
                        "=?base64?" + Base64.getEncoder().encodeToString("é".getBytes(StandardCharsets.UTF_8)) + "?="))
                .isEqualTo("é");
        assertThat(McpHeaderValues.decode("=?base64?="))
                .as("prefix and suffix overlap")
                .isEqualTo("=?base64?=");
        assertThat(McpHeaderValues.decode("=?base64??=")).isEmpty();
        assertThat(McpHeaderValues.decode("=?base64?not base64!?=")).isEqualTo("=?base64?not base64!?=");
        assertThat(McpHeaderValues.decode("=?base64?Z2V0")).isEqualTo("=?base64?Z2V0");
        assertThat(McpHeaderValues.decode("Z2V0?=")).isEqualTo("Z2V0?=");
        assertThat(McpHeaderValues.decode("plain")).isEqualTo("plain");
    }

    @Test
    void a_modern_notification_needs_no_meta_version_but_one_it_names_must_be_the_header_s() throws Exception {
        String meta = "\"_meta\":{\"" + ProtocolEra.META_VERSION + "\":";
        DecodedBody plain = body("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        DecodedBody numbered = body(
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\",\"params\":{" + meta + "20260728}}}");

        assertThat(McpDecoder.eraOf(
                                headers(
                                        "MCP-Protocol-Version",
                                        "2026-07-28",
                                        "Mcp-Method",
                                        "notifications/initialized"),
                                plain)
                        .modern())
                .isTrue();
        assertThatThrownBy(() -> McpDecoder.eraOf(
                        headers("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "notifications/initialized"),
                        numbered))
                .isInstanceOfSatisfying(
                        JsonRpcException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.HEADER_MISMATCH));
        assertThat(McpDecoder.eraOf(headers(), body(PING)).modern()).isFalse();
    }

    @Test
    void a_modern_request_needs_a_method_of_its_era_and_the_headers_that_mirror_it() throws Exception {
        String meta = ",\"params\":{\"name\":\"get_repository\",\"_meta\":{\"" + ProtocolEra.META_VERSION
                + "\":\"2026-07-28\"}}}";
        DecodedBody call = body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"" + meta);
        DecodedBody ping = body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"" + meta);
        DecodedBody unknown = body("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"unknown/method\"" + meta);
        String version = "MCP-Protocol-Version";

        assertThat(McpDecoder.eraOf(headers(version, "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "x"), call)
                        .modern())
                .isTrue();
        assertRefused(
                () -> McpDecoder.eraOf(headers(version, "2026-07-28", "Mcp-Name", "x"), call),
                ErrorCode.HEADER_MISMATCH,
                "must carry the Mcp-Method header");
        assertRefused(
                () -> McpDecoder.eraOf(headers(version, "2026-07-28", "Mcp-Method", "tools/call"), call),
                ErrorCode.HEADER_MISMATCH,
                "tools/call must carry the Mcp-Name header");
        assertRefused(
                () -> McpDecoder.eraOf(headers(version, "2026-07-28", "Mcp-Method", "ping"), ping),
                ErrorCode.METHOD_NOT_FOUND,
                "method not found in MCP 2026-07-28");
        assertRefused(
                () -> McpDecoder.eraOf(headers(version, "2026-07-28"), unknown),
                ErrorCode.METHOD_NOT_FOUND,
                "method not found in MCP 2026-07-28");
        assertThat(ErrorCode.METHOD_NOT_FOUND.httpStatus().code()).isEqualTo(404);
        assertThat(ErrorCode.METHOD_NOT_FOUND.code()).isEqualTo(-32601);
    }

    private static void assertRefused(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorCode code, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(JsonRpcException.class, e -> {
            assertThat(e.errorCode()).isEqualTo(code);
            assertThat(e.getMessage()).contains(message).doesNotContain("unknown/method");
        });
    }

    @Test
    void a_modern_call_with_mcp_param_headers_it_cannot_check_is_refused_at_this_stage() {
        decoder();
        String call = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"unlisted\","
                + "\"arguments\":{\"region\":\"eu\"},\"_meta\":{\"" + ProtocolEra.META_VERSION + "\":\"2026-07-28\"}}}";

        channel.writeInbound(post(
                call,
                "MCP-Protocol-Version",
                "2026-07-28",
                "Mcp-Method",
                "tools/call",
                "Mcp-Name",
                "unlisted",
                "Mcp-Param-Region",
                "eu"));

        assertThat(passed).isEmpty();
        FullHttpResponse refused = channel.readOutbound();
        assertThat(refused.status().code()).isEqualTo(400);
        assertThat(refused.content().toString(StandardCharsets.UTF_8)).contains("-32020", "list the tools");
        refused.release();
    }

    @Test
    void a_legacy_request_loses_mcp_param_headers_it_cannot_have_been_checked_against() {
        decoder();

        channel.writeInbound(post(PING, "Mcp-Param-Region", "eu-west", "X-Other", "kept"));

        assertThat(passed).hasSize(1);
        assertThat(passed.get(0).headers().contains("Mcp-Param-Region")).isFalse();
        assertThat(passed.get(0).headers().get("X-Other")).isEqualTo("kept");
    }

    @Test
    void what_passes_carries_its_query_the_transport_facts_and_no_query_when_there_is_none() {
        decoder();
        FullHttpRequest withQuery = post(PING, "Mcp-Session-Id", "s-9");
        withQuery.setUri("/mcp?tenant=acme");

        channel.writeInbound(withQuery);
        channel.writeInbound(post(PING));

        assertThat(passed).hasSize(2);
        Exchange first = passed.get(0);
        assertThat(first.query()).isEqualTo("tenant=acme");
        assertThat(first.transport().sessionId()).isEqualTo("s-9");
        assertThat(first.transport().tls()).isFalse();
        assertThat(first.transport().batchSize()).isEqualTo(1);
        assertThat(first.transport().path()).isEqualTo("/mcp");
        assertThat(first.transport().httpMethod()).isEqualTo("POST");
        assertThat(first.transport().clientAddress()).isEqualTo("embedded");
        assertThat(first.keepAlive()).isTrue();
        assertThat(first.log().body()).isSameAs(first.body());
        assertThat(first.log().subject()).isEqualTo(Subject.ANONYMOUS);
        assertThat(passed.get(1).query()).isNull();
        assertThat(completed).isEmpty();
    }

    @Test
    void each_answer_of_the_decoder_lets_the_connection_read_its_next_request() throws Exception {
        decoder();
        FullHttpRequest text = post(PING);
        text.headers().set("Content-Type", "text/plain");
        FullHttpRequest modernGet = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/mcp");
        modernGet.headers().set("MCP-Protocol-Version", "2026-07-28");

        for (FullHttpRequest request : List.of(text, post("{\"jsonrpc\":\"2.0\""), modernGet)) {
            channel.config().setAutoRead(false);
            channel.writeInbound(request);
            FullHttpResponse answer = channel.readOutbound();
            assertThat(answer).isNotNull();
            answer.release();
            assertThat(channel.config().isAutoRead()).isTrue();
        }
        assertThat(passed).isEmpty();
        assertThat(completed).extracting(log -> log.ending().httpStatus()).containsExactly(415, 400, 405);
        assertThat(completed)
                .allSatisfy(log -> assertThat(log.ending().outcome()).isEqualTo(Outcome.INVALID));
        assertThat(completed.get(1).ending().code()).isEqualTo(ErrorCode.PARSE_ERROR);
        assertThat(completed.get(2).ending().reason()).contains("2026-07-28", "GET");
    }
}
