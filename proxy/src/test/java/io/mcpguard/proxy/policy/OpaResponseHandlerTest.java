package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One pooled OPA connection's answers: to the exchange waiting, or the connection is not trusted any more. */
class OpaResponseHandlerTest {

    /** What an exchange was told. */
    private static final class Seen implements OpaResponseHandler.Exchange {
        final List<String> answers = new ArrayList<>();
        final List<String> failures = new ArrayList<>();

        @Override
        public void onResponse(FullHttpResponse response) {
            answers.add(response.status().code() + " " + response.content().toString(StandardCharsets.UTF_8));
        }

        @Override
        public void onFailure(String why) {
            failures.add(why);
        }
    }

    private static FullHttpResponse answer(String body, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    @Test
    void an_answer_goes_to_the_exchange_waiting_and_a_keep_alive_connection_stays_open() {
        OpaResponseHandler handler = new OpaResponseHandler();
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        Seen seen = new Seen();
        assertThat(handler.inFlight()).isFalse();

        handler.begin(seen);
        assertThat(handler.inFlight()).isTrue();
        channel.writeInbound(answer("{\"result\":{}}", true));

        assertThat(seen.answers).containsExactly("200 {\"result\":{}}");
        assertThat(seen.failures).isEmpty();
        assertThat(handler.inFlight()).as("the exchange is over").isFalse();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void an_answer_saying_connection_close_is_delivered_and_the_connection_closed() {
        OpaResponseHandler handler = new OpaResponseHandler();
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        Seen seen = new Seen();

        handler.begin(seen);
        channel.writeInbound(answer("{}", false));

        assertThat(seen.answers).containsExactly("200 {}");
        assertThat(channel.isOpen()).isFalse();
        assertThat(seen.failures)
                .as("the answer was delivered: the close afterwards is no failure")
                .isEmpty();
    }

    @Test
    void an_answer_nobody_asked_for_closes_the_connection() {
        OpaResponseHandler handler = new OpaResponseHandler();
        EmbeddedChannel channel = new EmbeddedChannel(handler);

        channel.writeInbound(answer("{\"late\":true}", true));

        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void a_connection_closed_before_the_answer_fails_the_exchange_once() {
        OpaResponseHandler handler = new OpaResponseHandler();
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        Seen seen = new Seen();

        handler.begin(seen);
        channel.close();

        assertThat(seen.failures).containsExactly("policy engine closed the connection before answering");
        assertThat(handler.inFlight()).isFalse();
        assertThat(seen.answers).isEmpty();
    }

    @Test
    void a_connection_closed_while_idle_fails_nothing() {
        OpaResponseHandler handler = new OpaResponseHandler();
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        Seen earlier = new Seen();
        handler.begin(earlier);
        channel.writeInbound(answer("{}", true));

        channel.close();

        assertThat(earlier.failures).isEmpty();
    }

    @Test
    void an_error_on_the_connection_fails_the_exchange_and_closes_it() {
        OpaResponseHandler handler = new OpaResponseHandler();
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        Seen seen = new Seen();

        handler.begin(seen);
        channel.pipeline().fireExceptionCaught(new java.io.IOException("connection reset"));

        assertThat(seen.failures)
                .as("told once: the close that follows finds no exchange")
                .containsExactly("policy engine connection failed");
        assertThat(channel.isOpen()).isFalse();
        assertThat(handler.inFlight()).isFalse();
    }

    @Test
    void an_error_on_an_idle_connection_closes_it() {
        OpaResponseHandler handler = new OpaResponseHandler();
        EmbeddedChannel channel = new EmbeddedChannel(handler);

        channel.pipeline().fireExceptionCaught(new java.io.IOException("connection reset"));

        assertThat(channel.isOpen()).isFalse();
    }
}
