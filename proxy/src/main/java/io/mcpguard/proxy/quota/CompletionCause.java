package io.mcpguard.proxy.quota;

import java.util.concurrent.CompletionException;

/** What a failed future failed of: a dependent stage wraps its cause in a {@link CompletionException}. */
final class CompletionCause {
    private CompletionCause() {}

    /** The cause a {@link CompletionException} carries, or {@code failure} itself (also a wrapper without cause). */
    static Throwable of(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
