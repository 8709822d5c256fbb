package io.mcpguard.proxy.config;

/**
 * A credential held by the proxy. Its {@link #toString()} never shows the value, so a secret passed to a log call
 * or an exception message by mistake stays secret; only {@link #reveal()} gives it, where it is sent.
 */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = value;
    }

    /** The value itself: for the one place that sends it, never for logs or messages. */
    public String reveal() {
        return value;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret s && java.security.MessageDigest.isEqual(bytes(), s.bytes());
    }

    @Override
    public int hashCode() {
        return 0; // equal secrets must hash alike; a value-derived hash would leak a little about the value
    }

    private byte[] bytes() {
        return value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
