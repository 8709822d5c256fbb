package io.mcpguard.proxy.forward;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Reading and rewriting the {@code data} of one complete server-sent event, keeping its other fields. */
final class SseEvents {
    private SseEvents() {}

    /**
     * Applies {@code rewrite} to the event's data (its {@code data:} lines joined by LF, as a client reads them) and
     * returns the event with that data in one {@code data:} line where the first one was; {@code id:}, {@code
     * event:}, {@code retry:} and comment lines stay as they were, in order. Returns null, meaning "send the
     * original bytes", when the event is not a {@code message} event, has no data, or {@code rewrite} returns null.
     * The rewritten data must not contain a line break (compact JSON does not).
     */
    static byte[] rewriteData(byte[] raw, UnaryOperator<String> rewrite) {
        String text = new String(raw, StandardCharsets.UTF_8);
        String[] lines = text.split("\r\n|\r|\n", -1);
        List<String> data = new ArrayList<>();
        for (String line : lines) {
            String field = line.contains(":") ? line.substring(0, line.indexOf(':')) : line;
            if ("event".equals(field) && !"message".equals(value(line))) {
                return null;
            }
            if ("data".equals(field)) {
                data.add(value(line));
            }
        }
        if (data.isEmpty()) {
            return null;
        }
        String replaced = rewrite.apply(String.join("\n", data));
        if (replaced == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(replaced.length() + 64);
        boolean dataWritten = false;
        for (String line : lines) {
            if (line.isEmpty()) {
                continue;
            }
            String field = line.contains(":") ? line.substring(0, line.indexOf(':')) : line;
            if ("data".equals(field)) {
                if (!dataWritten) {
                    out.append("data: ").append(replaced).append('\n');
                    dataWritten = true;
                }
            } else {
                out.append(line).append('\n');
            }
        }
        return out.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A field's value: after the first colon, without one leading space. */
    private static String value(String line) {
        int colon = line.indexOf(':');
        if (colon < 0) {
            return "";
        }
        String value = line.substring(colon + 1);
        return value.startsWith(" ") ? value.substring(1) : value;
    }
}
