package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mcpguard.proxy.http.RequestTiming;
import io.mcpguard.proxy.pipeline.ForwardStage;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pipelined requests reach the stages behind one at a time: the next only once the last answer is written. */
class OneRequestAtATimeTest {
    private final List<String> seen = new ArrayList<>();
    private final EmbeddedChannel channel =
            new EmbeddedChannel(new HttpServerCodec(), new OneRequestAtATime(), new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof HttpRequest request) {
                        seen.add(request.uri());
                    }
                    if (msg instanceof LastHttpContent) {
                        seen.add("end");
                    }
                    ReferenceCountUtil.release(msg);
                }
            });

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void answer(String text) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, text.length());
        channel.writeOutbound(response);
        channel.runPendingTasks();
    }

    private static String request(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void a_pipelined_request_waits_until_the_one_before_is_answered() {
        channel.writeInbound(Unpooled.copiedBuffer(
                request("/1", "{}") + request("/2", "{}") + request("/3", "{}"), StandardCharsets.US_ASCII));

        assertThat(seen).containsExactly("/1", "end");
        answer("one");
        assertThat(seen).containsExactly("/1", "end", "/2", "end");
        answer("two");
        answer("three");
        assertThat(seen).containsExactly("/1", "end", "/2", "end", "/3", "end");
    }

    @Test
    void an_interim_100_continue_does_not_end_the_request() {
        channel.writeInbound(
                Unpooled.copiedBuffer(request("/1", "{}") + request("/2", "{}"), StandardCharsets.US_ASCII));

        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        channel.runPendingTasks();

        assertThat(seen).containsExactly("/1", "end");
    }

    @Test
    void an_answer_written_before_the_body_arrived_releases_the_next_only_after_the_body() {
        String head = "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n";
        channel.writeInbound(Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII));
        answer("refused early"); // e.g. 401 on headers alone; the body is still to come and belongs to /1

        channel.writeInbound(Unpooled.copiedBuffer("{}{}" + request("/2", "{}"), StandardCharsets.US_ASCII));

        assertThat(seen).containsExactly("/1", "end", "/2", "end");
    }

    @Test
    void each_request_head_ends_its_header_deadline_even_while_it_waits() {
        List<Object> events = new ArrayList<>();
        channel.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });

        channel.writeInbound(
                Unpooled.copiedBuffer(request("/1", "{}") + request("/2", "{}"), StandardCharsets.US_ASCII));

        assertThat(events).containsExactly(RequestTiming.HEADER_RECEIVED, RequestTiming.HEADER_RECEIVED);
        assertThat(seen).containsExactly("/1", "end");
    }

    @Test
    void the_socket_is_not_read_while_requests_wait_and_is_read_again_once_they_are_served() {
        List<String> reads = new ArrayList<>();
        channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads.add("read");
                ctx.read();
            }
        });
        channel.writeInbound(
                Unpooled.copiedBuffer(request("/1", "{}") + request("/2", "{}"), StandardCharsets.US_ASCII));
        reads.clear();

        channel.read();
        assertThat(reads).as("a request waits: no read").isEmpty();
        assertThat(channel.isOpen()).isTrue();

        answer("one");
        assertThat(reads).as("/2 passes but is not answered: still no read").isEmpty();
        answer("two");
        assertThat(reads).as("nothing waits any more: reading resumes").containsExactly("read");
        channel.read();
        assertThat(reads).containsExactly("read", "read");
    }

    @Test
    void without_auto_read_the_stage_does_not_read_by_itself_when_the_queue_empties() {
        List<String> reads = new ArrayList<>();
        channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads.add("read");
                ctx.read();
            }
        });
        channel.config().setAutoRead(false);
        channel.writeInbound(
                Unpooled.copiedBuffer(request("/1", "{}") + request("/2", "{}"), StandardCharsets.US_ASCII));
        reads.clear();

        answer("one");
        answer("two");

        assertThat(seen).containsExactly("/1", "end", "/2", "end");
        assertThat(reads).isEmpty();
    }

    @Test
    void a_client_pipelining_behind_the_servers_stream_is_disconnected_when_a_read_is_asked() {
        channel.writeInbound(Unpooled.copiedBuffer(
                "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" + request("/2", "{}"), StandardCharsets.US_ASCII));
        channel.attr(ForwardStage.SERVER_STREAM).set(Boolean.TRUE);

        channel.read();

        assertThat(channel.isOpen()).isFalse();
        assertThat(seen).containsExactly("/1", "end");
    }

    @Test
    void a_stream_without_anything_waiting_reads_on() {
        channel.writeInbound(Unpooled.copiedBuffer("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        channel.attr(ForwardStage.SERVER_STREAM).set(Boolean.TRUE);

        channel.read();

        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void what_waits_is_released_when_the_connection_closes_or_the_stage_is_removed() {
        OneRequestAtATime stage = new OneRequestAtATime();
        List<HttpContent> bodies = new ArrayList<>();
        EmbeddedChannel closing = new EmbeddedChannel(stage);
        for (int i = 0; i < 2; i++) {
            HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/" + i);
            DefaultLastHttpContent body =
                    new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
            bodies.add(body);
            closing.writeInbound(head, body);
        }
        assertThat(bodies.get(1).refCnt()).as("the second request waits").isEqualTo(1);

        closing.close();

        assertThat(bodies.get(1).refCnt()).isZero();
        closing.finishAndReleaseAll();

        OneRequestAtATime removed = new OneRequestAtATime();
        EmbeddedChannel other = new EmbeddedChannel(removed);
        DefaultLastHttpContent waiting =
                new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
        other.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/1"));
        other.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/2"), waiting);
        other.pipeline().remove(removed);
        assertThat(waiting.refCnt()).isZero();
        other.finishAndReleaseAll();
    }

    @Test
    void a_connection_closed_while_waiting_requests_are_served_serves_no_more() {
        String stage = channel.pipeline().context(OneRequestAtATime.class).name();
        channel.pipeline().addAfter(stage, "closer", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.fireChannelRead(msg);
                if (msg instanceof HttpRequest request && request.uri().equals("/2")) {
                    ctx.close(); // e.g. a stage refusing /2 on its headers and closing
                }
            }
        });
        channel.writeInbound(Unpooled.copiedBuffer(
                request("/1", "{}") + request("/2", "{}") + request("/3", "{}"), StandardCharsets.US_ASCII));

        // The embedded channel reports the close to the writer of "one" as an exception; what matters is what passed.
        catchThrowable(() -> answer("one"));

        assertThat(seen).containsExactly("/1", "end", "/2");
        assertThat(channel.isOpen()).isFalse();
    }
}
