package io.mcpguard.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpAnswersTest {
    private final HttpAnswers answers = new HttpAnswers(new ObjectMapper());

    private FullHttpResponse refuse(Refusal refusal) {
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelHandlerContext ctx = channel.pipeline().firstContext();
        answers.refuse(ctx, List.of(refusal), false, true);
        return channel.readOutbound();
    }

    private static ObjectNode retryAfter(long millis) {
        return JsonNodeFactory.instance.objectNode().put("retry_after_ms", millis);
    }

    @Test
    void an_over_quota_notification_gets_429_with_retry_after_in_whole_seconds() {
        FullHttpResponse response = refuse(new Refusal(null, ErrorCode.OVER_QUOTA, "Over quota", retryAfter(1_200)));

        assertThat(response.status().code()).isEqualTo(429);
        assertThat(response.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("2");
        response.release();
    }

    @Test
    void an_over_quota_request_rides_on_200_with_the_time_in_its_error_data() {
        FullHttpResponse response = refuse(new Refusal(
                JsonNodeFactory.instance.numberNode(3), ErrorCode.OVER_QUOTA, "Over quota", retryAfter(1_200)));

        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.content().toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"code\":-32029")
                .contains("\"retry_after_ms\":1200");
        response.release();
    }
}
