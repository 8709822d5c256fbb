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
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An answer the proxy composed itself (the bridge's {@code server/discover}) goes through the same answer path as a
 * server's: masked as the plan says, never cached or sniffed, and the listener hears how it ended.
 */
class LocalAnswerTest {
    private static final TextMasker TEXTS =
            new TextMasker(SensitiveDataScanner.withDefaults(List.of("internal")), new byte[32]);
    private static final AnswerInspection INSPECTION =
            new AnswerInspection(new JsonMasker(TEXTS), new UpstreamErrorSanitizer(TEXTS), MaskRules.redactAll());
    private static final String KEY = "AKIAZ7QWERTY12345678";
    private static final byte[] ANSWER = ("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"instructions\":\"key " + KEY
                    + "\"}}")
            .getBytes(StandardCharsets.UTF_8);

    private final EmbeddedChannel client = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final List<String> heard = new ArrayList<>();
    private final RelayListener listener = new RelayListener() {
        @Override
        public void failedBeforeResponse(ErrorCode code, String message) {
            heard.add("failed " + code);
        }

        @Override
        public void completed() {
            heard.add("completed");
        }

        @Override
        public void interrupted(String why, boolean clientGone) {
            heard.add("interrupted " + why + (clientGone ? " (client gone)" : ""));
        }

        @Override
        public void responded(int httpStatus) {
            heard.add("responded " + httpStatus);
        }

        @Override
        public void masked(MaskCounts counts) {
            heard.add("masked " + counts.total());
        }
    };

    @AfterEach
    void close() {
        client.finishAndReleaseAll();
    }

    private void answer() {
        AnswerPlan plan = new AnswerPlan(Map.of(), Map.of("1", List.of("secret")), "acme", Set.of("1"));
        LocalAnswer.write(
                client.pipeline().lastContext(),
                ANSWER,
                INSPECTION.forAnswer(plan, new DeclaredTools(10), listener),
                listener);
        client.runPendingTasks();
    }

    @Test
    void a_local_answer_is_masked_as_planned_and_sent_whole() {
        answer();

        FullHttpResponse response = client.readOutbound();
        String body = response.content().toString(StandardCharsets.UTF_8);
        assertThat(body).contains("key [REDACTED:aws-access-key]").doesNotContain(KEY);
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.headers().getInt("Content-Length"))
                .isEqualTo(response.content().readableBytes());
        assertThat(response.headers().get("Content-Type")).isEqualTo("application/json");
        assertThat(response.headers().get("Cache-Control")).isEqualTo("no-store");
        assertThat(response.headers().get("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(heard).containsExactly("responded 200", "masked 1", "completed");
        response.release();
    }

    @Test
    void a_local_answer_the_client_cannot_take_closes_the_connection_and_says_the_client_is_gone() {
        client.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
                promise.setFailure(new java.io.IOException("reset"));
            }
        });

        answer();

        assertThat(client.isOpen()).isFalse();
        assertThat(heard)
                .containsExactly("responded 200", "masked 1", "interrupted cannot write to the client (client gone)");
    }

    @Test
    void the_upstream_client_answers_locally_through_the_same_path() {
        UpstreamClient upstream = new UpstreamClient(
                new io.mcpguard.proxy.config.ProxyConfig.Upstream(
                        java.net.URI.create("http://127.0.0.1:1/mcp"),
                        java.time.Duration.ofSeconds(1),
                        java.time.Duration.ofSeconds(1),
                        1,
                        "X-Upstream-Key",
                        null,
                        null),
                null,
                1,
                new DeclaredTools(10),
                INSPECTION,
                1 << 20);
        try {
            upstream.answerLocally(
                    client.pipeline().lastContext(),
                    ANSWER,
                    new AnswerPlan(Map.of(), Map.of("1", List.of("secret")), "acme", Set.of("1")),
                    listener);
            client.runPendingTasks();
        } finally {
            upstream.close();
        }

        FullHttpResponse response = client.readOutbound();
        assertThat(response.content().toString(StandardCharsets.UTF_8)).doesNotContain(KEY);
        response.release();
        assertThat(heard).containsExactly("responded 200", "masked 1", "completed");
    }
}
