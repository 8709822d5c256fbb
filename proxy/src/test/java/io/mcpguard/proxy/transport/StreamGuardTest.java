package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.pipeline.ForwardStage;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A request or body part arriving while the server's stream is relayed closes the connection; otherwise it passes. */
class StreamGuardTest {
    private final EmbeddedChannel channel = new EmbeddedChannel(StreamGuard.INSTANCE);

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private static FullHttpRequest request() {
        return new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp", Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
    }

    @Test
    void without_a_stream_requests_and_body_parts_pass() {
        FullHttpRequest request = request();
        HttpContent part = new DefaultHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));

        channel.writeInbound(request, part);

        assertThat(channel.<Object>readInbound()).isSameAs(request);
        assertThat(channel.<Object>readInbound()).isSameAs(part);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void a_request_during_a_stream_is_dropped_and_closes_the_connection() {
        channel.attr(ForwardStage.SERVER_STREAM).set(Boolean.TRUE);
        FullHttpRequest request = request();

        channel.writeInbound(request);

        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(request.refCnt()).isZero();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void a_body_part_during_a_stream_is_dropped_and_closes_the_connection() {
        channel.attr(ForwardStage.SERVER_STREAM).set(Boolean.TRUE);
        HttpContent part = new DefaultHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));

        channel.writeInbound(part);

        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(part.refCnt()).isZero();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void what_is_not_http_passes_even_during_a_stream() {
        channel.attr(ForwardStage.SERVER_STREAM).set(Boolean.TRUE);

        channel.writeInbound("event");

        assertThat(channel.<Object>readInbound()).isEqualTo("event");
        assertThat(channel.isOpen()).isTrue();
    }
}
