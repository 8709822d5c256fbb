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
        ChannelHandlerContext ctx = client.pipeline().firstContext();
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

    /** What the relay reported, in order. */
    private static final class Events implements RelayListener {
        final List<String> endings = new ArrayList<>();
        int masked;

        @Override
        public void failedBeforeResponse(ErrorCode code, String message) {
            endings.add("failed " + code);
        }

        @Override
        public void completed() {
            endings.add("completed");
        }

        @Override
        public void interrupted(String why, boolean clientGone) {
            endings.add("interrupted " + (clientGone ? "client" : "server"));
        }

        @Override
        public void masked(MaskCounts counts) {
            masked += counts.total();
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
