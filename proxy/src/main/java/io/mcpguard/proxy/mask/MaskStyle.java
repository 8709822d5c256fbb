package io.mcpguard.proxy.mask;

/** How a sensitive span is replaced. */
public enum MaskStyle {
    /** {@code [REDACTED:aws-access-key]}: nothing of the value remains. */
    REDACT,
    /** All but the last four characters become {@code *}: enough to recognise a card, not to use it. */
    PARTIAL,
    /**
     * {@code [HASH:email:1f0c9b3e7a52]}: a keyed hash (HMAC-SHA-256 under a per-tenant key), so the same value
     * maps to the same token within a tenant and can be correlated, without being revealed or guessed offline.
     */
    HASH
}
