package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.mask.UpstreamErrorSanitizer;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.pool.ChannelPool;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay between two embedded channels: what the server sends in pieces is inspected and reaches the client as
 * the answer path says — a JSON body held and rewritten with its new length, events rewritten as they complete, an
 * answer that cannot be inspected or is too large refused before any byte reaches the client, a server that fails
 * mid-stream cutting the client off — and the listener hears each ending once.
 */
class RelayTest {
    private static final TextMasker TEXTS =
            new TextMasker(SensitiveDataScanner.withDefaults(List.of("internal")), new byte[32]);
    private static final AnswerInspection INSPECTION =
            new AnswerInspection(new JsonMasker(TEXTS), new UpstreamErrorSanitizer(TEXTS), MaskRules.redactAll());
    private static final String KEY = "AKIAZ7QWERTY12345678";
    private static final AnswerPlan PLAN =
            new AnswerPlan(Map.of(), Map.of("1", List.of("secret")), "acme", Set.of("1"));

    private final EmbeddedChannel client = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final EmbeddedChannel upstream = new EmbeddedChannel(new UpstreamRelayHandler());
    private final Events events = new Events();
    private final List<Channel> released = new ArrayList<>();

    @AfterEach
    void close() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    private Relay relay(int maxRewriteBytes) {
        ChannelHandlerContext ctx = client.pipeline().lastContext();
        Relay relay = new Relay(
                ctx, upstream, new RecordingPool(), events, PLAN, new DeclaredTools(10), INSPECTION, maxRewriteBytes);
        upstream.pipeline().get(UpstreamRelayHandler.class).begin(relay);
        relay.start(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp"), 60_000);
        upstream.runPendingTasks();
        return relay;
    }

    private static HttpResponse head(String contentType) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set("Content-Type", contentType)
                .set("Transfer-Encoding", "chunked")
                .set("Server", "x/1");
        return head;
    }

    private void serve(Object... pieces) {
        for (Object piece : pieces) {
            upstream.writeInbound(piece);
            client.runPendingTasks();
            upstream.runPendingTasks();
        }
    }

    private static HttpContent piece(String text) {
        return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    private static HttpContent last(String text) {
        return new DefaultLastHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    /** Everything the client received: the head, then the body's text. */
    private String received(List<HttpResponse> heads) {
        StringBuilder body = new StringBuilder();
        Object out;
        while ((out = client.readOutbound()) != null) {
            if (out instanceof HttpResponse head) {
                heads.add(head);
            }
            if (out instanceof HttpContent content) {
                ByteBuf bytes = content.content();
                body.append(bytes.toString(StandardCharsets.UTF_8));
                content.release();
            }
        }
        return body.toString();
    }

    @Test
    void a_json_answer_is_held_until_whole_then_masked_and_sent_with_its_new_length() {
        relay(1 << 20);
        String answer = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"text\":\"key " + KEY + "\"}}";

        serve(head("application/json"), piece(answer.substring(0, 20)));
        assertThat((Object) client.readOutbound())
                .as("nothing before the whole answer is read")
                .isNull();
        serve(last(answer.substring(20)));

        List<HttpResponse> heads = new ArrayList<>();
        String body = received(heads);
        assertThat(body).contains("[REDACTED:aws-access-key]").doesNotContain(KEY);
        assertThat(heads.get(0).headers().getInt("Content-Length"))
                .isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
        assertThat(heads.get(0).headers().contains("Server")).isFalse();
        assertThat(heads.get(0).headers().get("Cache-Control")).isEqualTo("no-store");
        assertThat(events.endings).containsExactly("completed");
        assertThat(events.masked).isEqualTo(1);
        assertThat(released).containsExactly(upstream);
    }

    @Test
    void events_are_rewritten_and_sent_as_each_completes() {
        relay(1 << 20);

        serve(
                head("text/event-stream"),
                piece("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + "\"}}\n"));
        List<HttpResponse> heads = new ArrayList<>();
        String beforeEnd = received(heads);
        serve(piece("\n"));
        String first = received(heads);
        serve(last(": bye\n\n"));
        String rest = received(heads);

        assertThat(beforeEnd).as("an event is sent only once complete").isEmpty();
        assertThat(first).contains("[REDACTED:aws-access-key]").endsWith("\n\n");
        assertThat(rest).isEqualTo(": bye\n\n");
        assertThat(heads.get(0).headers().contains("Content-Length")).isFalse();
        assertThat(events.endings).containsExactly("completed");
    }

    @Test
    void an_event_stream_with_a_stated_length_is_sent_chunked_since_its_events_are_rewritten() {
        relay(1 << 20);
        String event = "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + "\"}}\n\n";
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set("Content-Type", "text/event-stream").set("Content-Length", event.length());

        serve(head, last(event));

        List<HttpResponse> heads = new ArrayList<>();
        assertThat(received(heads)).contains("[REDACTED:aws-access-key]");
        assertThat(heads.get(0).headers().contains("Content-Length")).isFalse();
        assertThat(heads.get(0).headers().get("Transfer-Encoding")).isEqualTo("chunked");
    }

    @Test
    void a_bare_string_result_is_masked_in_an_event_and_in_a_json_answer() {
        relay(1 << 20);
        serve(
                head("text/event-stream"),
                last("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"key " + KEY + "\"}\n\n"));

        assertThat(received(new ArrayList<>()))
                .contains("[REDACTED:aws-access-key]")
                .doesNotContain(KEY);
    }

    @Test
    void a_json_answer_that_is_no_message_is_masked_with_every_class() {
        relay(1 << 20);
        serve(head("application/json"), last("\"key " + KEY + "\""));

        List<HttpResponse> heads = new ArrayList<>();
        String body = received(heads);
        assertThat(body).isEqualTo("\"key [REDACTED:aws-access-key]\"");
        assertThat(heads.get(0).headers().getInt("Content-Length"))
                .isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void a_compressed_answer_is_refused_before_any_byte_reaches_the_client() {
        relay(1 << 20);
        HttpResponse head = head("application/json");
        head.headers().set("Content-Encoding", "gzip");

        serve(head);

        assertThat((Object) client.readOutbound()).isNull();
        assertThat(events.endings).containsExactly("failed " + ErrorCode.ANSWER_NOT_INSPECTABLE);
        assertThat(upstream.isOpen())
                .as("the connection is out of step: closed, not pooled")
                .isFalse();
    }

    @Test
    void an_answer_larger_than_may_be_held_is_refused_not_passed() {
        relay(64);

        serve(head("application/json"), piece("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + "x".repeat(100)));

        assertThat((Object) client.readOutbound()).isNull();
        assertThat(events.endings).containsExactly("failed " + ErrorCode.ANSWER_TOO_LARGE);
    }

    @Test
    void a_server_that_closes_mid_stream_cuts_the_client_off() {
        relay(1 << 20);
        serve(head("text/event-stream"), piece("data: {\"jsonrpc\":\"2.0\",\"method\":\"ping\"}\n\n"));
        received(new ArrayList<>());

        upstream.close();
        client.runPendingTasks();

        assertThat(events.endings).containsExactly("interrupted server");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void a_server_that_does_not_answer_in_time_is_an_upstream_timeout_and_its_connection_is_closed() {
        ChannelHandlerContext ctx = client.pipeline().lastContext();
        Relay relay =
                new Relay(ctx, upstream, new RecordingPool(), events, PLAN, new DeclaredTools(10), INSPECTION, 1 << 20);
        upstream.pipeline().get(UpstreamRelayHandler.class).begin(relay);
        upstream.freezeTime(); // the deadline passes when the test says, not when the machine is slow
        relay.start(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp"), 1);
        upstream.runPendingTasks();

        upstream.advanceTimeBy(2, java.util.concurrent.TimeUnit.MILLISECONDS);
        upstream.runScheduledPendingTasks();

        assertThat(events.endings).containsExactly("failed " + ErrorCode.UPSTREAM_TIMEOUT);
        assertThat(upstream.isOpen()).isFalse();
        assertThat(released).containsExactly(upstream);
        // A late answer on the closed relay is dropped, never relayed.
        HttpResponse late = head("application/json");
        relay.onUpstreamMessage(late);
        assertThat((Object) client.readOutbound()).isNull();
    }

    @Test
    void the_first_byte_deadline_stops_once_the_answer_began() {
        ChannelHandlerContext ctx = client.pipeline().lastContext();
        Relay relay =
                new Relay(ctx, upstream, new RecordingPool(), events, PLAN, new DeclaredTools(10), INSPECTION, 1 << 20);
        upstream.pipeline().get(UpstreamRelayHandler.class).begin(relay);
        // A frozen clock: on a busy machine a real 5 ms deadline could pass before the head arrives.
        upstream.freezeTime();
        relay.start(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp"), 5);

        upstream.writeInbound(head("text/event-stream"));

        upstream.advanceTimeBy(20, java.util.concurrent.TimeUnit.MILLISECONDS);
        upstream.runScheduledPendingTasks();

        assertThat(events.endings).isEmpty();
        assertThat(events.statuses).containsExactly(200);
        serve(last(""));
        assertThat(events.endings).containsExactly("completed");
    }

    @Test
    void what_is_neither_a_head_nor_a_piece_of_the_answer_is_dropped() {
        relay(1 << 20);
        ByteBuf stray = Unpooled.copiedBuffer("stray " + KEY, StandardCharsets.UTF_8);

        serve(head("application/json"), stray, last("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"));

        assertThat(stray.refCnt()).isZero();
        assertThat(received(new ArrayList<>())).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
        assertThat(events.endings).containsExactly("completed");
    }

    @Test
    void a_bridged_answer_hides_the_server_s_session_and_gets_the_modern_shape() {
        ChannelHandlerContext ctx = client.pipeline().lastContext();
        Relay relay = new Relay(
                ctx,
                upstream,
                new RecordingPool(),
                events,
                PLAN.bridging(Map.of("1", "tools/call")),
                new DeclaredTools(10),
                INSPECTION,
                1 << 20);
        upstream.pipeline().get(UpstreamRelayHandler.class).begin(relay);
        relay.start(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp"), 60_000);
        upstream.runPendingTasks();
        HttpResponse head = head("application/json");
        head.headers().set("Mcp-Session-Id", "bridge-session-1");

        serve(head, last("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[]}}"));

        List<HttpResponse> heads = new ArrayList<>();
        String body = received(heads);
        assertThat(heads.get(0).headers().contains("Mcp-Session-Id")).isFalse();
        assertThat(body).contains("\"resultType\":\"complete\"");
    }

    @Test
    void a_session_id_passes_when_the_answer_is_not_bridged() {
        relay(1 << 20);
        HttpResponse head = head("application/json");
        head.headers().set("Mcp-Session-Id", "s-1");

        serve(head, last("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"));

        List<HttpResponse> heads = new ArrayList<>();
        assertThat(received(heads)).doesNotContain("resultType");
        assertThat(heads.get(0).headers().get("Mcp-Session-Id")).isEqualTo("s-1");
    }

    @Test
    void a_not_modified_or_informational_answer_carries_no_body_and_passes_at_once() {
        for (int code : new int[] {304, 103}) {
            EmbeddedChannel server = new EmbeddedChannel(new UpstreamRelayHandler());
            Events heard = new Events();
            Relay relay = new Relay(
                    client.pipeline().lastContext(),
                    server,
                    new RecordingPool(),
                    heard,
                    PLAN,
                    new DeclaredTools(10),
                    INSPECTION,
                    1 << 20);
            server.pipeline().get(UpstreamRelayHandler.class).begin(relay);
            relay.start(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp"), 60_000);
            server.runPendingTasks();

            server.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code)));
            client.runPendingTasks();

            List<HttpResponse> heads = new ArrayList<>();
            received(heads);
            assertThat(heads)
                    .as("%d: sent before the answer ends", code)
                    .singleElement()
                    .satisfies(head -> {
                        assertThat(head.status().code()).isEqualTo(code);
                        assertThat(head.headers().contains("Transfer-Encoding")).isFalse();
                    });
            server.writeInbound(new DefaultLastHttpContent());
            client.runPendingTasks();
            assertThat(heard.endings).as("%d", code).containsExactly("completed");
            server.finishAndReleaseAll();
        }
    }

    @Test
    void writes_that_finish_after_the_relay_ended_change_nothing_and_the_ending_is_heard_once() {
        // The client holds every piece of the body: its writes complete only when the test says so.
        List<ChannelPromise> pending = new ArrayList<>();
        client.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg instanceof HttpContent) {
                    ReferenceCountUtil.release(msg);
                    pending.add(promise);
                } else {
                    ctx.write(msg, promise);
                }
            }
        });
        relay(1 << 20);
        serve(
                head("text/event-stream"),
                piece("data: {\"jsonrpc\":\"2.0\",\"method\":\"ping\"}\n\n"),
                piece("data: {\"jsonrpc\":\"2.0\",\"method\":\"ping\"}\n\n"),
                last("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"));
        assertThat(pending).hasSize(3);

        upstream.close();
        client.runPendingTasks();
        pending.get(0).setSuccess();
        pending.get(1).setFailure(new java.io.IOException("reset"));
        pending.get(2).setSuccess();

        assertThat(events.endings).containsExactly("interrupted server");
        assertThat(events.messages).containsExactly("MCP server closed the connection");
        assertThat(released).containsExactly(upstream);
    }

    @Test
    void what_was_masked_before_a_stream_was_cut_is_still_reported() {
        relay(1 << 20);
        serve(
                head("text/event-stream"),
                piece("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + "\"}}\n\n"));
        received(new ArrayList<>());

        upstream.close();
        client.runPendingTasks();

        assertThat(events.endings).containsExactly("interrupted server");
        assertThat(events.masked)
                .as("the audit trail learns what the client did get masked")
                .isEqualTo(1);
    }

    @Test
    void a_connection_given_back_after_an_answer_no_longer_feeds_the_relay() {
        relay(1 << 20);
        serve(head("application/json"), last("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"));
        assertThat(events.endings).containsExactly("completed");
        assertThat(upstream.isOpen()).isTrue();

        // Bytes nobody asked for on a pooled connection: out of step, so closed, and never relayed.
        upstream.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\n", StandardCharsets.UTF_8));

        assertThat(upstream.isOpen()).isFalse();
        assertThat(events.endings).containsExactly("completed");
    }

    @Test
    void an_answer_of_exactly_the_size_limit_is_held_and_passed() {
        String answer = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}";
        relay(answer.getBytes(StandardCharsets.UTF_8).length);

        serve(head("application/json"), last(answer));

        assertThat(received(new ArrayList<>())).isEqualTo(answer);
        assertThat(events.endings).containsExactly("completed");
    }

    @Test
    void the_server_is_read_again_only_once_the_client_took_the_previous_piece() {
        upstream.config().setAutoRead(false); // as the pool's connections: the relay asks for each read
        int[] reads = {0};
        upstream.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads[0]++;
                ctx.read();
            }
        });
        List<ChannelPromise> pending = new ArrayList<>();
        client.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
                pending.add(promise);
            }
        });
        relay(1 << 20);
        int afterRequest = reads[0];

        serve(head("text/event-stream"));
        assertThat(reads[0]).as("the head is not yet written to the client").isEqualTo(afterRequest);
        pending.get(0).setSuccess();
        assertThat(reads[0]).as("written: the next piece is asked for").isEqualTo(afterRequest + 1);
    }

    @Test
    void a_held_answer_asks_for_its_body_at_once_since_nothing_reaches_the_client_before_it() {
        upstream.config().setAutoRead(false);
        int[] reads = {0};
        upstream.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads[0]++;
                ctx.read();
            }
        });
        relay(1 << 20);
        int afterRequest = reads[0];

        serve(head("application/json"));

        assertThat((Object) client.readOutbound()).isNull();
        assertThat(reads[0]).isEqualTo(afterRequest + 1);
    }

    @Test
    void a_request_that_cannot_be_sent_fails_before_any_answer() {
        upstream.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
                promise.setFailure(new java.io.IOException("broken pipe"));
            }
        });

        relay(1 << 20);

        assertThat(events.endings).containsExactly("failed " + ErrorCode.UPSTREAM_UNAVAILABLE);
        assertThat(events.messages).containsExactly("cannot send the request to the MCP server");
        assertThat(upstream.isOpen()).isFalse();
    }

    @Test
    void an_answer_of_a_type_the_inspector_cannot_read_is_refused_unless_it_is_empty() {
        relay(1 << 20);
        serve(head("text/html"), last("<p>key " + KEY + "</p>"));

        assertThat((Object) client.readOutbound()).isNull();
        assertThat(events.endings).containsExactly("failed " + ErrorCode.ANSWER_NOT_INSPECTABLE);
    }

    @Test
    void an_empty_answer_of_any_type_passes_with_length_zero() {
        relay(1 << 20);
        serve(head("text/plain"), last(""));

        List<HttpResponse> heads = new ArrayList<>();
        assertThat(received(heads)).isEmpty();
        assertThat(heads.get(0).headers().getInt("Content-Length")).isZero();
        assertThat(heads.get(0).headers().contains("Transfer-Encoding")).isFalse();
        assertThat(events.endings).containsExactly("completed");
    }

    @Test
    void an_error_answer_keeps_its_status_and_its_body_becomes_a_clean_json_rpc_error() {
        relay(1 << 20);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.INTERNAL_SERVER_ERROR);
        head.headers().set("Content-Type", "text/html").set("Transfer-Encoding", "chunked");

        serve(head, last("java.lang.IllegalStateException: db.internal down\n\tat com.acme.Repo.find(Repo.java:42)"));

        List<HttpResponse> heads = new ArrayList<>();
        String body = received(heads);
        assertThat(heads.get(0).status().code()).isEqualTo(500);
        assertThat(heads.get(0).headers().get("Content-Type")).isEqualTo("application/json");
        assertThat(body).contains("\"code\":").doesNotContain("Repo.java", "IllegalStateException");
        assertThat(events.statuses).containsExactly(500);
        assertThat(events.endings).containsExactly("completed");
    }

    @Test
    void a_400_is_an_error_answer_too_and_the_server_s_hop_headers_stay_on_its_hop() {
        relay(1 << 20);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST);
        head.headers()
                .set("Content-Type", "text/html")
                .set("Transfer-Encoding", "chunked")
                .set("Keep-Alive", "timeout=5");

        serve(
                head,
                last("<pre>java.lang.IllegalArgumentException: bad input\n\tat com.acme.Api.read(Api.java:7)</pre>"));

        List<HttpResponse> heads = new ArrayList<>();
        String body = received(heads);
        assertThat(heads.get(0).status().code()).isEqualTo(400);
        assertThat(heads.get(0).headers().get("Content-Type")).isEqualTo("application/json");
        assertThat(heads.get(0).headers().contains("Keep-Alive")).isFalse();
        assertThat(body).contains("\"code\":").doesNotContain("Api.java", "<pre>");
        assertThat(events.endings).containsExactly("completed");
    }

    @Test
    void an_error_answer_without_a_body_stays_empty_and_a_stream_that_failed_is_cleaned_too() {
        relay(1 << 20);
        HttpResponse notFound = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND);
        notFound.headers().set("Content-Type", "text/event-stream").set("Transfer-Encoding", "chunked");

        serve(notFound, last(""));

        List<HttpResponse> heads = new ArrayList<>();
        assertThat(received(heads)).isEmpty();
        assertThat(heads.get(0).status().code()).isEqualTo(404);
        assertThat(heads.get(0).headers().getInt("Content-Length")).isZero();
    }

    @Test
    void an_answer_without_a_body_is_passed_at_once_and_the_connection_pooled() {
        relay(1 << 20);
        HttpResponse accepted = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        accepted.headers().set("Server", "x/1");

        serve(accepted);
        List<HttpResponse> heads = new ArrayList<>();
        received(heads);
        assertThat(heads).singleElement().satisfies(head -> {
            assertThat(head.status().code()).isEqualTo(204);
            assertThat(head.headers().contains("Server")).isFalse();
            assertThat(head.headers().contains("Transfer-Encoding")).isFalse();
        });
        serve(new DefaultLastHttpContent());

        assertThat(events.endings).containsExactly("completed");
        assertThat(upstream.isOpen()).as("kept alive: back in the pool").isTrue();
        assertThat(released).containsExactly(upstream);
    }

    @Test
    void a_whole_answer_in_one_piece_is_inspected_and_a_server_that_closes_after_it_is_not_pooled_open() {
        relay(1 << 20);
        io.netty.handler.codec.http.FullHttpResponse whole = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK,
                Unpooled.copiedBuffer(
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + "\"}}", StandardCharsets.UTF_8));
        whole.headers().set("Content-Type", "application/json").set("Connection", "close");

        serve(whole);

        assertThat(received(new ArrayList<>())).contains("[REDACTED:aws-access-key]");
        assertThat(events.endings).containsExactly("completed");
        assertThat(upstream.isOpen())
                .as("the server said close: closed, then given back")
                .isFalse();
        assertThat(released).containsExactly(upstream);
    }

    @Test
    void an_event_larger_than_may_be_held_cuts_the_stream_after_its_start() {
        relay(64);

        serve(head("text/event-stream"), piece("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"" + "x".repeat(100)));

        assertThat(events.endings).containsExactly("interrupted server");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void a_stream_that_ends_mid_event_drops_the_unfinished_event() {
        relay(1 << 20);

        serve(
                head("text/event-stream"),
                piece("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"),
                last("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + "\"}}\n"));

        String body = received(new ArrayList<>());
        assertThat(body).isEqualTo("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n");
        assertThat(events.endings).containsExactly("completed");
    }

    @Test
    void an_event_of_another_type_is_masked_with_every_class() {
        relay(1 << 20);
        String email = "jordan.lee@acme-corp.example";

        serve(head("text/event-stream"), last("event: note\ndata: mail " + email + "\n\n"));

        assertThat(received(new ArrayList<>())).isEqualTo("event: note\ndata: mail [REDACTED:email]\n\n");
    }

    @Test
    void a_client_that_leaves_mid_stream_ends_the_relay_as_abandoned_and_closes_the_upstream() {
        relay(1 << 20);
        serve(head("text/event-stream"), piece("data: {\"jsonrpc\":\"2.0\",\"method\":\"ping\"}\n\n"));
        received(new ArrayList<>());

        client.close();
        client.runPendingTasks();
        upstream.runPendingTasks();

        assertThat(events.endings).containsExactly("interrupted client");
        assertThat(upstream.isOpen()).isFalse();
        assertThat(released).containsExactly(upstream);
    }

    @Test
    void a_client_that_left_before_the_answer_is_not_answered_but_recorded_as_gone() {
        relay(1 << 20);

        client.close();
        client.runPendingTasks();

        assertThat(events.endings).containsExactly("interrupted client");
    }

    @Test
    void a_piece_the_client_cannot_take_cuts_the_relay() {
        client.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg instanceof HttpContent) {
                    ReferenceCountUtil.release(msg);
                    promise.setFailure(new java.io.IOException("reset"));
                } else {
                    ctx.write(msg, promise);
                }
            }
        });
        relay(1 << 20);

        serve(head("text/event-stream"), piece("data: {\"jsonrpc\":\"2.0\",\"method\":\"ping\"}\n\n"));

        assertThat(events.endings).containsExactly("interrupted server");
        assertThat(events.messages).containsExactly("cannot write to the client");
    }

    @Test
    void an_answer_whose_id_no_request_carried_is_reported_unmatched() {
        relay(1 << 20);

        serve(head("application/json"), last("{\"jsonrpc\":\"2.0\",\"id\":42,\"result\":{\"t\":\"" + KEY + "\"}}"));

        assertThat(received(new ArrayList<>())).doesNotContain(KEY);
        assertThat(events.unmatched).isEqualTo(1);
    }

    @Test
    void what_the_server_sends_when_no_relay_uses_its_connection_closes_it() {
        UpstreamRelayHandler idle = upstream.pipeline().get(UpstreamRelayHandler.class);
        assertThat(idle).isNotNull();

        upstream.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\n", StandardCharsets.UTF_8));

        assertThat(upstream.isOpen()).isFalse();
    }

    @Test
    void a_pooled_connection_idling_without_a_relay_is_closed_and_one_in_use_is_not() {
        upstream.pipeline().fireUserEventTriggered(io.netty.handler.timeout.IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(upstream.isOpen()).isFalse();

        EmbeddedChannel inUse = new EmbeddedChannel(new UpstreamRelayHandler());
        UpstreamRelayHandler handler = inUse.pipeline().get(UpstreamRelayHandler.class);
        Relay relay = new Relay(
                client.pipeline().lastContext(),
                inUse,
                new RecordingPool(),
                events,
                PLAN,
                new DeclaredTools(10),
                INSPECTION,
                64);
        handler.begin(relay);
        inUse.pipeline().fireUserEventTriggered(io.netty.handler.timeout.IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(inUse.isOpen()).as("a relay is using it").isTrue();

        handler.end(new Relay(
                client.pipeline().lastContext(),
                inUse,
                new RecordingPool(),
                events,
                PLAN,
                new DeclaredTools(10),
                INSPECTION,
                64));
        inUse.pipeline().fireUserEventTriggered(io.netty.handler.timeout.IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(inUse.isOpen()).as("another relay's end does not free it").isTrue();

        handler.end(relay);
        inUse.pipeline().fireExceptionCaught(new java.io.IOException("reset"));
        assertThat(inUse.isOpen()).as("a failed connection is closed").isFalse();
        assertThat(events.endings).isEmpty();
    }

    /** What the relay reported, in order. */
    private static final class Events implements RelayListener {
        final List<String> endings = new ArrayList<>();
        final List<String> messages = new ArrayList<>();
        final List<Integer> statuses = new ArrayList<>();
        int masked;
        int unmatched;

        @Override
        public void failedBeforeResponse(ErrorCode code, String message) {
            endings.add("failed " + code);
            messages.add(message);
        }

        @Override
        public void completed() {
            endings.add("completed");
        }

        @Override
        public void interrupted(String why, boolean clientGone) {
            endings.add("interrupted " + (clientGone ? "client" : "server"));
            messages.add(why);
        }

        @Override
        public void responded(int httpStatus) {
            statuses.add(httpStatus);
        }

        @Override
        public void masked(MaskCounts counts) {
            masked += counts.total();
        }

        @Override
        public void unmatched() {
            unmatched++;
        }
    }

    /** A pool of one connection that records what is given back. */
    private final class RecordingPool implements ChannelPool {
        @Override
        public Future<Channel> acquire() {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(upstream);
        }

        @Override
        public Future<Channel> acquire(Promise<Channel> promise) {
            return promise.setSuccess(upstream);
        }

        @Override
        public Future<Void> release(Channel channel) {
            released.add(channel);
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(null);
        }

        @Override
        public Future<Void> release(Channel channel, Promise<Void> promise) {
            released.add(channel);
            return promise.setSuccess(null);
        }

        @Override
        public void close() {}
    }
}
