package io.mcpguard.proxy.audit;

import io.mcpguard.proxy.forward.ServerAnswer;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.mask.MaskCounts;

/**
 * What the audit trail hears of a forwarded request as its answer is relayed: the spans of a POST's messages ({@link
 * ExchangeAudit}) or of a GET stream or DELETE ({@link RequestAudit}). Called on the client connection's event loop.
 */
public interface RelayAudit {
    /** Hears nothing: for a forward no span covers. */
    RelayAudit NONE = new RelayAudit() {};

    /** The server's answer began with this HTTP status. */
    default void responded(int httpStatus) {}

    /** The server answered one request with an error, a failed tool, or an answer the trail records. */
    default void answered(ServerAnswer answer) {}

    /** What the answer path masked: counts, never values. */
    default void masked(MaskCounts counts) {}

    /** The answer was relayed to its end. */
    default void completed() {}

    /** The relay stopped before the answer's end: the client left, or the server failed mid-answer. */
    default void interrupted(boolean clientGone) {}

    /** The server could not be reached or did not answer in time; the client gets {@code code} instead. */
    default void upstreamFailed(ErrorCode code) {}
}
