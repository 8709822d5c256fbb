package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.http.RequestTiming;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The header and request-read deadlines on the embedded channel's own clock: when each starts, what stops it, and
 * that expiry answers 408 and closes.
 */
class RequestReadTimeoutHandlerTest {
    private static final long HEADER = 100;
    private static final long REQUEST = 1_000;

    private final List<Object> passedEvents = new ArrayList<>();
    private final EmbeddedChannel channel = connection();

    /** A connection whose clock stands still but for {@link #advance}, opened at time zero. */
    private EmbeddedChannel connection() {
        EmbeddedChannel embedded = new EmbeddedChannel();
        embedded.freezeTime();
        embedded.pipeline().addLast(new RequestReadTimeoutHandler(HEADER, REQUEST), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                passedEvents.add(evt);
            }
        });
        embedded.pipeline().fireChannelActive(); // the connection opens now, on the frozen clock
        return embedded;
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void advance(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private void bytes(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
        channel.<ByteBuf>readInbound().release();
    }

    private void assertTimedOut() {
        ByteBuf answer = channel.readOutbound();
        assertThat(answer).as("a 408 was written").isNotNull();
        assertThat(answer.toString(StandardCharsets.US_ASCII))
                .startsWith("HTTP/1.1 408 Request Timeout\r\n")
                .contains("Connection: close\r\n")
                .endsWith("\r\n\r\nrequest not received in time\r\n");
        answer.release();
        assertThat(channel.isOpen()).isFalse();
    }

    private void assertStillWaiting() {
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void a_connection_that_sends_nothing_is_answered_408_and_closed_at_the_header_deadline() {
        advance(HEADER - 1);
        assertStillWaiting();

        advance(1);
        assertTimedOut();
    }

    @Test
    void a_header_in_time_stops_the_header_deadline_but_the_whole_request_still_has_its_own() {
        bytes("POST /mcp HTTP/1.1\r\n");
        channel.pipeline().fireUserEventTriggered(RequestTiming.HEADER_RECEIVED);

        advance(REQUEST - 1);
        assertStillWaiting();
        advance(1);
        assertTimedOut();
        assertThat(passedEvents).as("the deadline's events end here").isEmpty();
    }

    @Test
    void a_whole_request_stops_both_deadlines_and_the_next_request_starts_both_again() {
        bytes("POST /mcp HTTP/1.1\r\n\r\n");
        channel.pipeline().fireUserEventTriggered(RequestTiming.RECEIVED);
        advance(10 * REQUEST);
        assertStillWaiting();

        bytes("POST /mcp HTTP/1.1\r\n");
        advance(HEADER - 1);
        assertStillWaiting();
        advance(1);
        assertTimedOut();
    }

    @Test
    void bytes_of_a_request_already_timed_do_not_restart_its_deadlines() {
        bytes("POST /mcp HTTP/1.1\r\n");
        channel.pipeline().fireUserEventTriggered(RequestTiming.HEADER_RECEIVED);
        advance(REQUEST / 2);
        bytes("Host: x\r\n");
        advance(REQUEST / 2);
        assertTimedOut();
    }

    @Test
    void a_message_that_is_not_bytes_starts_nothing() {
        channel.pipeline().fireUserEventTriggered(RequestTiming.RECEIVED);
        channel.writeInbound("not bytes");
        assertThat(channel.<Object>readInbound()).isEqualTo("not bytes");

        advance(10 * REQUEST);
        assertStillWaiting();
    }

    @Test
    void other_events_pass_on() {
        channel.pipeline().fireUserEventTriggered("other");

        assertThat(passedEvents).containsExactly("other");
    }

    @Test
    void a_closed_connection_stops_its_deadlines() {
        bytes("POST /mcp HTTP/1.1\r\n");
        channel.close();

        advance(10 * REQUEST);

        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(channel.hasPendingTasks()).isFalse();
    }
}
