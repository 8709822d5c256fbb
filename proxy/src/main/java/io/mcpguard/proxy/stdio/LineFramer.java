package io.mcpguard.proxy.stdio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Cuts a child's stdout into messages: the MCP stdio transport sends one JSON-RPC message per line, newline-delimited,
 * with no newline inside a message. A line longer than {@code maxLineBytes} is never held whole: it is skipped to its
 * end and reported as oversized with its first and last bytes, where the message's id usually is, so the request it
 * answers can be failed instead of left waiting. Not thread-safe; one reader thread owns it.
 */
final class LineFramer {
    /** How much of an oversized line's start and end is kept to find the id in it. */
    static final int EDGE_BYTES = 256;

    /**
     * One line: {@code text} when it fit, else null with {@code oversized} set and the edges kept.
     *
     * @param length the line's length in bytes, without its newline
     */
    record Frame(String text, boolean oversized, String head, String tail, long length) {}

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    private byte[] line = new byte[1024];
    private int lineLength;

    LineFramer(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line, or null at the end of the stream (an unfinished last line is dropped: no message ends there). */
    Frame next() throws IOException {
        lineLength = 0;
        long length = 0;
        byte[] tail = null;
        while (true) {
            if (position == limit) {
                limit = in.read(buffer, 0, buffer.length);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    return null;
                }
            }
            byte b = buffer[position++];
            if (b == '\n') {
                if (length > maxLineBytes) {
                    String head = new String(line, 0, Math.min(lineLength, EDGE_BYTES), StandardCharsets.UTF_8);
                    return new Frame(null, true, head, tail(tail, length - maxLineBytes), length);
                }
                int end = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
                return new Frame(new String(line, 0, end, StandardCharsets.UTF_8), false, null, null, length);
            }
            length++;
            if (length <= maxLineBytes) {
                if (lineLength == line.length) {
                    line = Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
                }
                line[lineLength++] = b;
            } else {
                // Past the bound: keep a ring of the last bytes only; the head stays in line[0..EDGE_BYTES).
                if (tail == null) {
                    tail = new byte[EDGE_BYTES];
                }
                tail[(int) ((length - maxLineBytes - 1) % EDGE_BYTES)] = b;
            }
        }
    }

    /** The line's last {@link #EDGE_BYTES} bytes: the ring's, in order, after what of the held part is still needed. */
    private String tail(byte[] ring, long overflow) {
        byte[] ordered = new byte[EDGE_BYTES];
        int count;
        if (overflow >= EDGE_BYTES) {
            int oldest = (int) (overflow % EDGE_BYTES);
            System.arraycopy(ring, oldest, ordered, 0, EDGE_BYTES - oldest);
            System.arraycopy(ring, 0, ordered, EDGE_BYTES - oldest, oldest);
            count = EDGE_BYTES;
        } else {
            int fromHeld = (int) Math.min(lineLength, EDGE_BYTES - overflow);
            System.arraycopy(line, lineLength - fromHeld, ordered, 0, fromHeld);
            System.arraycopy(ring, 0, ordered, fromHeld, (int) overflow);
            count = fromHeld + (int) overflow;
        }
        return new String(ordered, 0, count, StandardCharsets.UTF_8);
    }
}
