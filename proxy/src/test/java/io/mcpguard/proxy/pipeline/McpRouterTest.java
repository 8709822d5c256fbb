package io.mcpguard.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.http.Readiness;
import io.mcpguard.proxy.testing.LogCapture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the router answers itself — the probes, a request the HTTP codec could not read, another path or method — and
 * what it lets into the message path (with reading stopped until the answer); and the last stage, which closes a
 * connection that failed.
 */
class McpRouterTest {
    private final List<Object> passed = new ArrayList<>();
    private final List<Object> events = new ArrayList<>();
    private EmbeddedChannel channel;

    private EmbeddedChannel router(Readiness readiness) {
        channel = new EmbeddedChannel(
                new McpRouter("/mcp", new HttpAnswers(new ObjectMapper()), readiness),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        passed.add(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        events.add(evt);
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

    private static FullHttpRequest request(HttpMethod method, String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
    }

    private FullHttpResponse answer() {
        channel.runPendingTasks();
        return channel.readOutbound();
    }

    private static String text(FullHttpResponse response) {
        return response.content().toString(StandardCharsets.UTF_8);
    }

    @Test
    void readiness_is_200_when_every_check_passes_and_503_naming_what_is_missing() {
        router(new Readiness(List.of(new Readiness.Check("opa", () -> CompletableFuture.completedFuture(null)))));
        channel.writeInbound(request(HttpMethod.GET, "/readyz?verbose=1"));
        FullHttpResponse ready = answer();
        assertThat(ready.status().code()).isEqualTo(200);
        assertThat(text(ready)).isEqualTo("ready\n");
        assertThat(channel.config().isAutoRead())
                .as("the next request may come")
                .isTrue();

        router(new Readiness(List.of(
                new Readiness.Check("opa", () -> CompletableFuture.failedFuture(new IllegalStateException("down"))),
                new Readiness.Check(
                        "redis", () -> CompletableFuture.failedFuture(new IllegalStateException("gone"))))));
        channel.writeInbound(request(HttpMethod.GET, "/readyz"));
        FullHttpResponse notReady = answer();
        assertThat(notReady.status().code()).isEqualTo(503);
        assertThat(text(notReady)).isEqualTo("not ready: opa: down; redis: gone\n");
        assertThat(passed).isEmpty();
    }

    @Test
    void a_readiness_answer_for_a_client_that_left_does_not_start_reading_again() {
        CompletableFuture<Void> probe = new CompletableFuture<>();
        router(new Readiness(List.of(new Readiness.Check("opa", () -> probe))));
        channel.writeInbound(request(HttpMethod.GET, "/readyz"));
        channel.runPendingTasks();
        assertThat(channel.config().isAutoRead())
                .as("reading waits for the check")
                .isFalse();

        channel.close();
        probe.complete(null);
        channel.runPendingTasks();

        assertThat(channel.config().isAutoRead()).isFalse();
    }

    @Test
    void a_request_the_codec_could_not_read_is_refused_and_the_connection_closed() {
        router(new Readiness(List.of()));
        FullHttpRequest tooLong = request(HttpMethod.GET, "/mcp");
        tooLong.setDecoderResult(DecoderResult.failure(new TooLongFrameException("header too long")));

        channel.writeInbound(tooLong);
        FullHttpResponse refused = answer();

        assertThat(refused.status().code()).isEqualTo(431);
        assertThat(text(refused)).isEqualTo("malformed HTTP request\n");
        assertThat(refused.headers().get("Connection")).isEqualTo("close");
        assertThat(channel.isOpen()).isFalse();
        assertThat(passed).isEmpty();
    }

    @Test
    void only_get_answers_the_probes_and_only_the_mcp_path_enters_the_message_path() {
        router(new Readiness(List.of()));
        channel.writeInbound(request(HttpMethod.POST, "/healthz"));
        FullHttpResponse postHealth = answer();
        channel.writeInbound(request(HttpMethod.POST, "/readyz"));
        FullHttpResponse postReady = answer();
        channel.writeInbound(request(HttpMethod.HEAD, "/mcp"));
        FullHttpResponse head = answer();
        channel.writeInbound(request(HttpMethod.GET, "/healthz"));
        FullHttpResponse health = answer();

        assertThat(postHealth.status().code()).isEqualTo(404);
        assertThat(postReady.status().code()).isEqualTo(404);
        assertThat(head.status().code()).isEqualTo(405);
        assertThat(health.status().code()).isEqualTo(200);
        assertThat(text(health)).isEqualTo("ok\n");
        assertThat(passed).isEmpty();
        assertThat(channel.config().isAutoRead()).isTrue();

        for (HttpMethod method : List.of(HttpMethod.POST, HttpMethod.GET, HttpMethod.DELETE)) {
            channel.writeInbound(request(method, "/mcp?session=1"));
        }
        assertThat(passed).hasSize(3);
        assertThat(events)
                .as("every whole request stops the read deadlines")
                .hasSize(7)
                .containsOnly(io.mcpguard.proxy.http.RequestTiming.RECEIVED);
        assertThat(channel.config().isAutoRead())
                .as("one exchange at a time: reading waits for the answer")
                .isFalse();
        passed.forEach(msg -> ((FullHttpRequest) msg).release());
    }

    @Test
    void what_is_no_whole_request_passes_untouched() {
        router(new Readiness(List.of()));

        channel.writeInbound("not a request");

        assertThat(passed).containsExactly("not a request");
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void a_connection_that_failed_is_closed_and_only_an_unexpected_failure_is_a_warning() {
        try (LogCapture logs = new LogCapture(ConnectionFailures.class.getName())) {
            EmbeddedChannel reset = new EmbeddedChannel(ConnectionFailures.INSTANCE);
            EmbeddedChannel broken = new EmbeddedChannel(ConnectionFailures.INSTANCE);

            reset.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
            broken.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));

            assertThat(reset.isOpen()).isFalse();
            assertThat(broken.isOpen()).isFalse();
            assertThat(logs.lines())
                    .filteredOn(line -> line.level().equals("WARN"))
                    .singleElement()
                    .satisfies(line -> assertThat(line.text()).contains("error=IllegalStateException"));
        }
    }
}
