package io.mcpguard.proxy.bridge;

/** The bridge could not open or use a legacy session with the guarded server; the message is safe to log. */
public final class BridgeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BridgeException(String message) {
        super(message, null, false, false);
    }
}
