package io.mcpguard.proxy.forward;

import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.mask.MaskCounts;

/** How a relay reports back to the stage that started it. Called on the client connection's event loop. */
public interface RelayListener {

    /** No byte of an answer reached the client; the caller answers with this error instead. */
    void failedBeforeResponse(ErrorCode code, String message);

    /** The whole answer was relayed; the client connection may carry its next request. */
    void completed();

    /** Something in the answer was masked: how much of which class (counts, never values), for the audit path. */
    default void masked(MaskCounts counts) {}
}
