package io.mcpguard.proxy.exchange;

/**
 * The trace context the forward stage put on the hop to the server for one message: the W3C trace id and the id of
 * the span that stands for the hop (the audit trail's CLIENT span is recorded with exactly these ids, so the
 * server's own spans join the trail).
 *
 * @param traceId 32 lowercase hex digits
 * @param spanId 16 lowercase hex digits
 */
public record HopContext(String traceId, String spanId) {}
