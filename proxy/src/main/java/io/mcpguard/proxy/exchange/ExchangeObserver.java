package io.mcpguard.proxy.exchange;

/**
 * Reads an exchange once it is complete (Armeria's {@code RequestLogListener} is the model): the audit trail is
 * one. Called once per completed log, on the connection's event loop; it must not block and cannot change what the
 * client or the server received, which is already sent.
 */
@FunctionalInterface
public interface ExchangeObserver {
    ExchangeObserver NONE = log -> {};

    void exchangeCompleted(ExchangeLog log);
}
