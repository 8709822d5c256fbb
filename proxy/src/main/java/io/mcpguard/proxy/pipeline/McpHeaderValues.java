package io.mcpguard.proxy.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** MCP header values that cannot be plain ASCII travel as {@code =?base64?<base64>?=} (MCP 2026-07-28). */
final class McpHeaderValues {
    private static final String PREFIX = "=?base64?";
    private static final String SUFFIX = "?=";

    private McpHeaderValues() {}

    /** The header's text, Base64 sentinel decoded; a malformed sentinel is returned as is (and will not match). */
    static String decode(String value) {
        if (value.startsWith(PREFIX) && value.endsWith(SUFFIX) && value.length() >= PREFIX.length() + SUFFIX.length()) {
            try {
                byte[] bytes =
                        Base64.getDecoder().decode(value.substring(PREFIX.length(), value.length() - SUFFIX.length()));
                return new String(bytes, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return value;
            }
        }
        return value;
    }
}
