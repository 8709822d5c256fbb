package io.mcpguard.proxy.forward;

import java.util.ArrayList;
import java.util.List;

/** Reading a whole {@code text/event-stream} body the proxy asked for itself, as a client reads it. */
public final class EventStreamBodies {
    private EventStreamBodies() {}

    /**
     * The data of each complete {@code message} event of {@code body}, in order (HTML 9.2.6: an event with no data,
     * or one cut off by the stream's end, is never dispatched).
     *
     * @throws IllegalArgumentException when an event is longer than {@code maxEventBytes}
     */
    public static List<String> messages(byte[] body, int maxEventBytes) {
        List<String> data = new ArrayList<>();
        SseEventDecoder decoder = new SseEventDecoder(
                maxEventBytes,
                raw -> SseEvents.rewriteData(raw, (type, text) -> {
                    if ("message".equals(type)) {
                        data.add(text);
                    }
                    return null;
                }));
        try {
            decoder.feed(body);
        } catch (SseEventDecoder.EventTooLongException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return data;
    }
}
