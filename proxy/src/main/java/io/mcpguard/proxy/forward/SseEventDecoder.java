package io.mcpguard.proxy.forward;

import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;

/**
 * Splits a {@code text/event-stream} body into events as its bytes arrive in arbitrary chunks (WHATWG HTML, "Server-
 * sent events", 9.2.5/9.2.6): an event ends at an empty line; lines end in CRLF, LF or CR. Each complete event is
 * handed on as the exact bytes received (terminating empty line included), so an event nobody rewrites passes
 * byte-identical. Only the event in progress is held, bounded by {@code maxEventBytes}.
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

    SseEventDecoder(int maxEventBytes, Consumer<byte[]> onEvent) {
        this.maxEventBytes = maxEventBytes;
        this.onEvent = onEvent;
    }

    void feed(byte[] bytes) {
        for (byte b : bytes) {
            event.write(b);
            if (event.size() > maxEventBytes) {
                throw new EventTooLongException(maxEventBytes);
            }
            if (b == '\n' && afterCr) { // the LF of a CRLF: the line already ended at the CR
                afterCr = false;
                continue;
            }
            afterCr = b == '\r';
            if (b == '\n' || b == '\r') {
                lineEnded();
            } else {
                lineLength++;
            }
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

    /** The bytes of an unfinished event (the stream ended mid-event), handed back as they are. */
    byte[] remainder() {
        byte[] rest = event.toByteArray();
        event = new ByteArrayOutputStream();
        lineLength = 0;
        return rest;
    }
}
