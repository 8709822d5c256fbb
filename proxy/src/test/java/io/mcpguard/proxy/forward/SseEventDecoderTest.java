package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseEventDecoderTest {
    private final List<String> events = new ArrayList<>();
    private final SseEventDecoder decoder =
            new SseEventDecoder(256, bytes -> events.add(new String(bytes, StandardCharsets.UTF_8)));

    private void feed(String... chunks) {
        for (String chunk : chunks) {
            decoder.feed(chunk.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void events_end_at_an_empty_line_whatever_the_line_ending_and_however_the_bytes_are_cut() {
        String stream = "data: a\n\ndata: b\r\n\r\ndata: c\r\r: only a comment\n\n";
        feed("data: a\n", "\nda", "ta: b\r", "\n\r", "\ndata: c\r\r", ": only a comment\n\n");

        // An event ending in CR is complete at that CR; an LF that may follow belongs to nothing and travels at the
        // head of the next piece. Every byte passes, in order.
        assertThat(events).containsExactly("data: a\n\n", "data: b\r\n\r", "\ndata: c\r\r", ": only a comment\n\n");
        assertThat(String.join("", events)).isEqualTo(stream);
    }

    @Test
    void an_unfinished_event_is_held_and_handed_back_at_the_end() {
        feed("id: 1\ndata: partial");

        assertThat(events).isEmpty();
        assertThat(new String(decoder.remainder(), StandardCharsets.UTF_8)).isEqualTo("id: 1\ndata: partial");
    }

    @Test
    void an_event_past_the_bound_is_refused() {
        assertThatThrownBy(() -> feed("data: " + "x".repeat(300)))
                .isInstanceOf(SseEventDecoder.EventTooLongException.class);
    }

    @Test
    void rewriting_keeps_every_field_but_data_and_joins_multi_line_data() {
        byte[] raw = "id: 7\nevent: message\nretry: 10\n: note\ndata: {\"a\":\ndata: 1}\n\n"
                .getBytes(StandardCharsets.UTF_8);
        List<String> seen = new ArrayList<>();

        byte[] out = SseEvents.rewriteData(raw, data -> {
            seen.add(data);
            return "{\"a\":2}";
        });

        assertThat(seen).containsExactly("{\"a\":\n1}");
        assertThat(new String(out, StandardCharsets.UTF_8))
                .isEqualTo("id: 7\nevent: message\nretry: 10\n: note\ndata: {\"a\":2}\n\n");
    }

    @Test
    void events_of_another_type_or_without_data_are_not_rewritten() {
        assertThat(SseEvents.rewriteData("event: endpoint\ndata: x\n\n".getBytes(StandardCharsets.UTF_8), d -> "y"))
                .isNull();
        assertThat(SseEvents.rewriteData(": ping\n\n".getBytes(StandardCharsets.UTF_8), d -> "y"))
                .isNull();
        assertThat(SseEvents.rewriteData("data: x\n\n".getBytes(StandardCharsets.UTF_8), d -> null))
                .isNull();
    }
}
