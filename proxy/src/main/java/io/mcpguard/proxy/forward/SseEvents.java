package io.mcpguard.proxy.forward;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reading and rewriting the {@code data} of one complete server-sent event, keeping its other fields. */
final class SseEvents {
    /** The fields a client reads besides {@code data}; the empty name is a comment line's. */
    private static final Set<String> KEPT_FIELDS = Set.of("event", "id", "retry", "");

    private SseEvents() {}

    /** Rewrites one event's data: given the event's type and its data, the new data, or null to keep the event. */
    @FunctionalInterface
    interface DataRewrite {
        String apply(String type, String data);
    }

    /**
     * Applies {@code rewrite} to the event's data (its {@code data:} lines joined by LF, as a client reads them) and
     * returns the event with that data in {@code data:} lines where the first one was; {@code id:}, {@code event:},
     * {@code retry:} and comment lines stay as they were, in order. Lines with any other field name, which a client
     * ignores (9.2.6), are dropped: kept, one starting with a byte order mark would read differently at the start of
     * a stream, where a client strips the mark. The type is the value of the last {@code event:}
     * line, {@code message} without one — what a client dispatches on (HTML 9.2.6), so an earlier {@code event:}
     * line cannot hide an event from the inspector. Returns null, meaning "send the original bytes", when the event
     * has no data or {@code rewrite} returns null.
     */
    static byte[] rewriteData(byte[] raw, DataRewrite rewrite) {
        String text = new String(raw, StandardCharsets.UTF_8);
        String[] lines = text.split("\r\n|\r|\n", -1);
        List<String> data = new ArrayList<>();
        String type = "message";
        for (String line : lines) {
            String field = line.contains(":") ? line.substring(0, line.indexOf(':')) : line;
            if ("event".equals(field)) {
                type = value(line);
            } else if ("data".equals(field)) {
                data.add(value(line));
            }
        }
        if (data.isEmpty()) {
            return null;
        }
        String replaced = rewrite.apply(type.isEmpty() ? "message" : type, String.join("\n", data));
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
                    for (String dataLine : replaced.split("\r\n|\r|\n", -1)) {
                        out.append("data: ").append(dataLine).append('\n');
                    }
                    dataWritten = true;
                }
            } else if (KEPT_FIELDS.contains(field)) {
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
