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
    void an_unfinished_event_is_never_handed_on_as_a_client_discards_it() {
        feed("id: 1\ndata: partial");

        assertThat(events).isEmpty();
        assertThat(decoder.endedMidEvent()).isTrue();
        assertThat(decoder.endedMidEvent()).as("nothing is held after the end").isFalse();
    }

    @Test
    void an_empty_stream_or_one_whose_last_event_completed_did_not_end_mid_event() {
        assertThat(decoder.endedMidEvent()).as("nothing read at all").isFalse();

        feed("data: a\n\n");

        assertThat(events).containsExactly("data: a\n\n");
        assertThat(decoder.endedMidEvent()).isFalse();
    }

    @Test
    void an_event_of_exactly_the_limit_is_handed_on_and_one_byte_more_is_refused() {
        SseEventDecoder exact = new SseEventDecoder(10, bytes -> events.add(new String(bytes, StandardCharsets.UTF_8)));
        exact.feed("data: ab\n\n".getBytes(StandardCharsets.UTF_8)); // 10 bytes

        assertThat(events).containsExactly("data: ab\n\n");
        assertThatThrownBy(() -> exact.feed("data: abc\n\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SseEventDecoder.EventTooLongException.class);
    }

    @Test
    void a_stream_ending_in_the_first_bytes_of_a_byte_order_mark_ended_mid_event() {
        // Found by SseEventDecoderFuzzTest: the held bytes of a possible mark were neither an event nor "unfinished".
        decoder.feed(new byte[] {(byte) 0xEF, (byte) 0xBB});

        assertThat(events).isEmpty();
        assertThat(decoder.endedMidEvent()).isTrue();
    }

    @Test
    void a_leading_byte_order_mark_is_dropped_even_when_split_across_pieces() {
        decoder.feed(new byte[] {(byte) 0xEF});
        decoder.feed(new byte[] {(byte) 0xBB, (byte) 0xBF, 'd'});
        feed("ata: x\n\n");

        assertThat(events).containsExactly("data: x\n\n");
    }

    @Test
    void bytes_that_only_begin_like_a_byte_order_mark_are_kept() {
        decoder.feed(new byte[] {(byte) 0xEF, (byte) 0xBB, ':', '\n', '\n'});

        assertThat(events).hasSize(1);
        assertThat(events.get(0))
                .as("the two bytes stay in the event")
                .endsWith(":\n\n")
                .isNotEqualTo(":\n\n");
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

        byte[] out = SseEvents.rewriteData(raw, (type, data) -> {
            seen.add(type + " " + data);
            return "{\"a\":2}";
        });

        assertThat(seen).containsExactly("message {\"a\":\n1}");
        assertThat(new String(out, StandardCharsets.UTF_8))
                .isEqualTo("id: 7\nevent: message\nretry: 10\n: note\ndata: {\"a\":2}\n\n");
    }

    @Test
    void the_last_event_line_names_the_type_a_client_dispatches_on() {
        List<String> types = new ArrayList<>();
        SseEvents.rewriteData(
                "event: endpoint\nevent: message\ndata: x\n\n".getBytes(StandardCharsets.UTF_8), (type, d) -> {
                    types.add(type);
                    return null;
                });
        SseEvents.rewriteData(
                "event: message\nevent: other\ndata: x\n\n".getBytes(StandardCharsets.UTF_8), (type, d) -> {
                    types.add(type);
                    return null;
                });
        SseEvents.rewriteData("event:\ndata: x\n\n".getBytes(StandardCharsets.UTF_8), (type, d) -> {
            types.add(type);
            return null;
        });

        assertThat(types).containsExactly("message", "other", "message");
    }

    @Test
    void rewritten_data_with_line_breaks_becomes_several_data_lines() {
        byte[] out = SseEvents.rewriteData("data: x\n\n".getBytes(StandardCharsets.UTF_8), (t, d) -> "a\nb");

        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo("data: a\ndata: b\n\n");
    }

    @Test
    void events_without_data_or_left_alone_are_not_rewritten() {
        assertThat(SseEvents.rewriteData(": ping\n\n".getBytes(StandardCharsets.UTF_8), (t, d) -> "y"))
                .isNull();
        assertThat(SseEvents.rewriteData("data: x\n\n".getBytes(StandardCharsets.UTF_8), (t, d) -> null))
                .isNull();
    }

    @Test
    void field_values_lose_one_leading_space_and_a_line_without_colon_is_a_field_with_no_value() {
        List<String> seen = new ArrayList<>();
        SseEvents.DataRewrite record = (type, data) -> {
            seen.add("[" + data + "]");
            return null;
        };

        SseEvents.rewriteData("data:x\r\ndata:  y\r\n\r\n".getBytes(StandardCharsets.UTF_8), record);
        SseEvents.rewriteData("data\ndata: z\n\n".getBytes(StandardCharsets.UTF_8), record);
        SseEvents.rewriteData("data: a\rdata: b\r\r".getBytes(StandardCharsets.UTF_8), record);

        assertThat(seen).containsExactly("[x\n y]", "[\nz]", "[a\nb]");
    }

    @Test
    void a_rewritten_event_keeps_its_other_lines_in_order_with_line_feeds() {
        byte[] out = SseEvents.rewriteData(
                "id: 1\r\ndata: a\r\nevent: message\r\ndata: b\r\n\r\n".getBytes(StandardCharsets.UTF_8),
                (type, data) -> "c");

        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo("id: 1\ndata: c\nevent: message\n\n");
    }

    @Test
    void a_rewritten_event_drops_lines_a_client_ignores() {
        byte[] out = SseEvents.rewriteData(
                "\uFEFF\nfoo: bar\nid: 2\ndata: a\n\n".getBytes(StandardCharsets.UTF_8), (type, data) -> "b");

        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo("id: 2\ndata: b\n\n");
    }
}
