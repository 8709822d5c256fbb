package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
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
}
