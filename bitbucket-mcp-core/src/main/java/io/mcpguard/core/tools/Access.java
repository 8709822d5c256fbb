package io.mcpguard.core.tools;

/**
 * How much a tool can change in Bitbucket, which decides whether it is offered at all: read-only tools always,
 * {@link #WRITE} tools only with {@code BITBUCKET_ENABLE_WRITES}, {@link #DANGEROUS} ones (merge, decline, delete a
 * branch) only with {@code BITBUCKET_ENABLE_DANGEROUS}.
 */
public enum Access {
    READ,
    WRITE,
    DANGEROUS
}
