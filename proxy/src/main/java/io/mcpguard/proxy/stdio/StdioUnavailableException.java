package io.mcpguard.proxy.stdio;

/**
 * The stdio server cannot take a request now: not started yet, restarting after it ended, at its bound, or gone
 * mid-request. The bridge ends the hop, and the proxy answers with its upstream-unavailable error. The message is
 * the proxy's own words, never the child's.
 */
final class StdioUnavailableException extends RuntimeException {
    StdioUnavailableException(String message) {
        super(message, null, false, false);
    }
}
