package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the server-sent-event splitter and the event rewriter. Oracles: the events found do not depend on how the
 * stream's bytes were cut into chunks (whole, one byte at a time, or cut at two fuzzed points — the network decides
 * the cuts, never the server); every event is handed on byte-exact, so the events are the stream (minus a leading
 * byte order mark) up to what is still open; the only exception is the bounded-length one; and rewriting an
 * event's data with itself keeps what a client reads from it (its type and data) in exactly one event.
 */
class SseEventDecoderFuzzTest {
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    /** What one feeding produced. */
    private record Split(List<byte[]> events, boolean tooLong, boolean endedMidEvent) {
        void assertSameAs(Split other, String how) {
            assertThat(tooLong).as(how + ": too long").isEqualTo(other.tooLong);
            assertThat(endedMidEvent).as(how + ": ended mid-event").isEqualTo(other.endedMidEvent);
            assertThat(events).as(how + ": events").hasSameSizeAs(other.events);
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i)).as(how + ": event " + i).isEqualTo(other.events.get(i));
            }
        }
    }

    @FuzzTest(maxDuration = "10s")
    void events_do_not_depend_on_how_the_stream_is_cut(FuzzedDataProvider data) {
        int maxEventBytes = data.consumeInt(1, 300);
        int firstCut = data.consumeInt(0, Integer.MAX_VALUE);
        int secondCut = data.consumeInt(0, Integer.MAX_VALUE);
        byte[] stream = data.consumeRemainingAsBytes();

        Split whole = feed(maxEventBytes, List.of(stream));
        List<byte[]> bytewise = new ArrayList<>();
        for (byte b : stream) {
            bytewise.add(new byte[] {b});
        }
        feed(maxEventBytes, bytewise).assertSameAs(whole, "one byte at a time");
        int a = Math.min(firstCut, secondCut) % (stream.length + 1);
        int b = Math.max(a, Math.max(firstCut, secondCut) % (stream.length + 1));
        feed(
                        maxEventBytes,
                        List.of(
                                Arrays.copyOfRange(stream, 0, a),
                                Arrays.copyOfRange(stream, a, b),
                                Arrays.copyOfRange(stream, b, stream.length)))
                .assertSameAs(whole, "cut at " + a + " and " + b);

        byte[] expected = withoutLeadingBom(stream);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        whole.events().forEach(joined::writeBytes);
        byte[] handedOn = joined.toByteArray();
        assertThat(handedOn.length).isLessThanOrEqualTo(expected.length);
        assertThat(Arrays.copyOf(expected, handedOn.length))
                .as("events are the stream's own bytes, in order")
                .isEqualTo(handedOn);
        if (!whole.tooLong() && !whole.endedMidEvent()) {
            assertThat(handedOn)
                    .as("nothing lost when the stream ends between events")
                    .isEqualTo(expected);
        }
        for (byte[] event : whole.events()) {
            assertThat(event.length).isLessThanOrEqualTo(maxEventBytes);
            assertRewriteKeepsWhatAClientReads(event);
        }
    }

    private static void assertRewriteKeepsWhatAClientReads(byte[] event) {
        String[] read = new String[2];
        byte[] rewritten = SseEvents.rewriteData(event, (type, data) -> {
            read[0] = type;
            read[1] = data;
            return data;
        });
        if (rewritten == null) {
            return; // no data: sent as it came
        }
        Split again = feed(Integer.MAX_VALUE - 8, List.of(rewritten));
        assertThat(again.events()).as("a rewritten event is exactly one event").hasSize(1);
        assertThat(again.endedMidEvent()).isFalse();
        String[] reread = new String[2];
        SseEvents.rewriteData(rewritten, (type, data) -> {
            reread[0] = type;
            reread[1] = data;
            return null;
        });
        assertThat(reread).as("type and data a client reads after the rewrite").containsExactly(read);
    }

    private static Split feed(int maxEventBytes, List<byte[]> chunks) {
        List<byte[]> events = new ArrayList<>();
        SseEventDecoder decoder = new SseEventDecoder(maxEventBytes, events::add);
        try {
            for (byte[] chunk : chunks) {
                decoder.feed(chunk);
            }
        } catch (SseEventDecoder.EventTooLongException e) {
            return new Split(events, true, false);
        }
        return new Split(events, false, decoder.endedMidEvent());
    }

    private static byte[] withoutLeadingBom(byte[] stream) {
        if (stream.length >= 3 && Arrays.equals(Arrays.copyOf(stream, 3), BOM)) {
            return Arrays.copyOfRange(stream, 3, stream.length);
        }
        return stream;
    }
}
