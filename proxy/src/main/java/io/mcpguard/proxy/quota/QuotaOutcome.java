package io.mcpguard.proxy.quota;

/**
 * The answer of a bucket.
 *
 * @param granted whether the tokens were taken
 * @param remaining whole tokens left after this take
 * @param retryAfterMillis when refused, how long until the bucket holds enough again; 0 when granted
 */
public record QuotaOutcome(boolean granted, long remaining, long retryAfterMillis) {}
