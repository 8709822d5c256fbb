package io.mcpguard.proxy.auth;

import java.util.HexFormat;

/** How a session id appears in logs: a short hash, so a log reader cannot take over the session it names. */
final class SessionIds {
    private SessionIds() {}

    static String fingerprint(String sessionId) {
        byte[] hash = ApiKeyStore.sha256(sessionId);
        return HexFormat.of().formatHex(hash, 0, 8);
    }
}
