package io.mcpguard.proxy.forward;

import io.mcpguard.proxy.exchange.ServerAnswer;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.mask.MaskCounts;

/** How a relay reports back to the stage that started it. Called on the client connection's event loop. */
public interface RelayListener {

    /** No byte of an answer reached the client; the caller answers with this error instead. */
    void failedBeforeResponse(ErrorCode code, String message);

    /** The whole answer was relayed; the client connection may carry its next request. */
    void completed();

    /**
     * The relay ended before the whole answer was relayed, after part of it reached the client (the connection is
     * then closed, the only honest signal left), or because the client went away. Called instead of {@link
     * #completed()}.
     *
     * @param clientGone the client closed its connection (else the server failed or sent what cannot be relayed)
     */
    default void interrupted(String why, boolean clientGone) {}

    /** The server's answer began with this HTTP status (relayed as it is, or as a cleaned error). */
    default void responded(int httpStatus) {}

    /** Something in the answer was masked: how much of which class (counts, never values), for the audit path. */
    default void masked(MaskCounts counts) {}

    /**
     * The server answered one request with an error, a tool result flagged {@code isError}, or an answer the audit
     * trail records. Not called for a plain successful answer that is not recorded.
     */
    default void answered(ServerAnswer answer) {}

    /**
     * A response whose id matches no request of the exchange was masked with every class: the server echoed an id
     * differently or answered what nobody asked. A security event.
     */
    default void unmatched() {}

    /**
     * Items the policy does not let the caller see were cut from a list answer ({@code tools/list}, {@code
     * prompts/list}, {@code resources/list}, {@code resources/templates/list}): how many, for the audit path.
     */
    default void hidden(int items) {}
}
