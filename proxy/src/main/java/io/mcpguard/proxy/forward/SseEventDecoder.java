package io.mcpguard.proxy.forward;

import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;

/**
 * Splits a {@code text/event-stream} body into events as its bytes arrive in arbitrary chunks (WHATWG HTML, "Server-
 * sent events", 9.2.5/9.2.6): an event ends at an empty line; lines end in CRLF, LF or CR. Each complete event is
 * handed on as the exact bytes received (terminating empty line included), so an event nobody rewrites passes
 * byte-identical. Only the event in progress is held, bounded by {@code maxEventBytes}. A UTF-8 byte order mark
 * at the start of the stream is dropped, as a client drops it (9.2.5): left in place it would hide the first line's
 * field name from the inspector but not from the client.
 */
final class SseEventDecoder {
    /** An event grew past the bound before it ended. */
    static final class EventTooLongException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EventTooLongException(int max) {
            super("server-sent event longer than " + max + " bytes", null, false, false);
        }
    }

    private final int maxEventBytes;
    private final Consumer<byte[]> onEvent;
    private ByteArrayOutputStream event = new ByteArrayOutputStream();
    private int lineLength;
    private boolean afterCr;
    /** How many bytes of a leading byte order mark were seen; -1 once the stream's start is past. */
    private int bomSeen;

    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    SseEventDecoder(int maxEventBytes, Consumer<byte[]> onEvent) {
        this.maxEventBytes = maxEventBytes;
        this.onEvent = onEvent;
    }

    void feed(byte[] bytes) {
        for (byte b : bytes) {
            if (bomSeen >= 0) {
                if (b == BOM[bomSeen]) {
                    bomSeen++;
                    if (bomSeen == BOM.length) {
                        bomSeen = -1; // a whole mark: dropped
                    }
                    continue;
                }
                int partial = bomSeen;
                bomSeen = -1;
                for (int i = 0; i < partial; i++) { // not a mark after all: those bytes are the stream's
                    accept(BOM[i]);
                }
            }
            accept(b);
        }
    }

    private void accept(byte b) {
        event.write(b);
        if (event.size() > maxEventBytes) {
            throw new EventTooLongException(maxEventBytes);
        }
        if (b == '\n' && afterCr) { // the LF of a CRLF: the line already ended at the CR
            afterCr = false;
            return;
        }
        afterCr = b == '\r';
        if (b == '\n' || b == '\r') {
            lineEnded();
        } else {
            lineLength++;
        }
    }

    private void lineEnded() {
        if (lineLength == 0) {
            byte[] complete = event.toByteArray();
            event = new ByteArrayOutputStream();
            onEvent.accept(complete);
        }
        lineLength = 0;
    }

    /**
     * Whether the stream ended mid-event. A client discards such an event undispatched (9.2.6), so the relay drops it
     * too rather than pass bytes it never inspected.
     */
    boolean endedMidEvent() {
        // The first bytes of what might have been a byte order mark are the stream's too: held, not yet in event.
        boolean unfinished = event.size() > 0 || bomSeen > 0;
        bomSeen = -1;
        event = new ByteArrayOutputStream();
        lineLength = 0;
        return unfinished;
    }
}
