package io.mcpguard.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * RFC 9110 §7.6.1: headers that describe one connection, not the message, and must not cross a proxy — the fixed
 * set, plus every header the {@code Connection} header names.
 */
public final class HopByHopHeaders {
    private static final Set<String> FIXED = Set.of(
            "connection",
            "keep-alive",
            "proxy-connection",
            "proxy-authenticate",
            "proxy-authorization",
            "te",
            "trailer",
            "trailers",
            "transfer-encoding",
            "upgrade");

    private HopByHopHeaders() {}

    /** Removes hop-by-hop headers from {@code headers} in place. */
    public static void strip(HttpHeaders headers) {
        List<String> named = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    named.add(name);
                }
            }
        }
        FIXED.forEach(headers::remove);
        named.forEach(headers::remove);
    }
}
