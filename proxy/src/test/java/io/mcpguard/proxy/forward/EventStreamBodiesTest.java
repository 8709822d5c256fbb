package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A whole event-stream body the proxy read for itself (the bridge's handshake), read as a client reads it. */
class EventStreamBodiesTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void only_complete_message_events_are_read_in_order() {
        String body = ": comment\n\n"
                + "data: {\"id\":1}\n\n"
                + "event: endpoint\ndata: /mcp?session=1\n\n"
                + "event: message\ndata: {\"id\":2,\ndata: \"x\":1}\n\n"
                + "data: {\"id\":3}\n"; // cut off by the stream's end: never dispatched

        assertThat(EventStreamBodies.messages(bytes(body), 1024)).containsExactly("{\"id\":1}", "{\"id\":2,\n\"x\":1}");
    }

    @Test
    void an_event_longer_than_the_bound_is_refused_not_cut() {
        assertThatThrownBy(() -> EventStreamBodies.messages(bytes("data: " + "x".repeat(100) + "\n\n"), 32))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
