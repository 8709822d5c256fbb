package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The body limit: a body within it is aggregated; one over it, announced or discovered while streaming, is answered
 * 413 at once and the connection lingers (reading and dropping) for a second before it closes.
 */
class BodyLimitAggregatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LIMIT = 16;

    private final List<ExchangeLog> completed = new ArrayList<>();
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    /** Exchange log, keep-alive (as in the proxy's pipeline, when {@code keepAlive}), then the aggregator. */
    private void pipeline(boolean keepAlive) {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest request) {
                    ExchangeLog.open(ctx.channel(), request, completed::add);
                }
                ctx.fireChannelRead(msg);
            }
        });
        if (keepAlive) {
            channel.pipeline().addLast(new HttpServerKeepAliveHandler());
        }
        channel.pipeline().addLast(new BodyLimitAggregator(LIMIT, new HttpAnswers(JSON)));
    }

    private static HttpRequest head(Integer contentLength) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp");
        if (contentLength != null) {
            request.headers().set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        } else {
            request.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        }
        return request;
    }

    private static DefaultHttpContent part(int bytes) {
        return new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[bytes]));
    }

    private void advance(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private void assertAnswered413ThenClosedAfterLingering() throws Exception {
        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status()).isEqualTo(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
        assertThat(HttpUtil.isKeepAlive(response)).isFalse();
        JsonNode body = JSON.readTree(response.content().toString(StandardCharsets.UTF_8));
        response.release();
        assertThat(body.at("/error/code").asInt()).isEqualTo(ErrorCode.BODY_TOO_LARGE.code());
        assertThat(body.at("/error/message").asText()).isEqualTo("request body exceeds the limit of 16 bytes");
        assertThat(channel.<Object>readInbound()).isNull();

        advance(BodyLimitAggregator.LINGER_MILLIS - 1);
        assertThat(channel.isOpen())
                .as("lingers to let the client read the 413")
                .isTrue();
        advance(1);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void a_body_within_the_limit_is_aggregated() {
        pipeline(true);

        channel.writeInbound(head(LIMIT), new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[LIMIT])));

        FullHttpRequest request = channel.readInbound();
        assertThat(request.content().readableBytes()).isEqualTo(LIMIT);
        request.release();
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void an_announced_body_over_the_limit_is_refused_before_it_arrives() throws Exception {
        pipeline(true);

        channel.writeInbound(head(LIMIT + 1));

        ExchangeLog.Ending ending = completed.get(0).ending();
        assertThat(ending.outcome()).isEqualTo(Outcome.TOO_LARGE);
        assertThat(ending.httpStatus()).isEqualTo(413);
        assertThat(ending.code()).isEqualTo(ErrorCode.BODY_TOO_LARGE);
        assertThat(ending.reason()).isEqualTo("request body exceeds the limit of 16 bytes");
        assertAnswered413ThenClosedAfterLingering();
    }

    @Test
    void a_streamed_body_found_over_the_limit_is_refused_and_the_rest_is_dropped() throws Exception {
        pipeline(true);

        channel.writeInbound(head(null), part(10), part(10));
        DefaultHttpContent late = part(10);
        channel.writeInbound(late);

        assertThat(late.refCnt()).isZero();
        assertThat(completed.get(0).ending().outcome()).isEqualTo(Outcome.TOO_LARGE);
        assertAnswered413ThenClosedAfterLingering();
    }

    @Test
    void without_a_keep_alive_stage_the_answer_is_written_from_here() throws Exception {
        pipeline(false);

        channel.writeInbound(head(LIMIT + 1));

        assertAnswered413ThenClosedAfterLingering();
    }

    @Test
    void an_oversized_message_that_is_not_a_request_is_answered_without_an_exchange_log() throws Exception {
        pipeline(false);
        DefaultHttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, LIMIT + 1);

        channel.writeInbound(response);

        assertThat(completed).isEmpty();
        assertAnswered413ThenClosedAfterLingering();
    }
}
