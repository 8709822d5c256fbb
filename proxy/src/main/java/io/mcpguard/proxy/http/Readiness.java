package io.mcpguard.proxy.http;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Whether the proxy can serve ({@code GET /readyz}): every check passes — a policy is loaded, the guarded server is
 * reachable, the audit spool is writable. Liveness ({@code /healthz}) says only that the process answers; a proxy
 * that is alive but not ready is taken out of the Service's endpoints, never restarted for it.
 */
public final class Readiness {
    /** One thing the proxy needs; the future fails (with a fixed, secret-free reason) when it is not there. */
    public record Check(String name, Supplier<CompletableFuture<Void>> probe) {}

    /** The answer: ready, or the names of what is missing with why. */
    public record Report(boolean ready, List<String> problems) {}

    private final List<Check> checks;

    public Readiness(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    /** Runs every check at once; never completes exceptionally. */
    public CompletableFuture<Report> check() {
        List<CompletableFuture<String>> results = new ArrayList<>(checks.size());
        for (Check check : checks) {
            CompletableFuture<Void> probe;
            try {
                probe = check.probe().get();
            } catch (RuntimeException e) {
                probe = CompletableFuture.failedFuture(e);
            }
            results.add(probe.handle((ok, failure) -> failure == null ? null : check.name() + ": " + reason(failure)));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(done -> {
                    List<String> problems = results.stream()
                            .map(CompletableFuture::join)
                            .filter(problem -> problem != null)
                            .toList();
                    return new Report(problems.isEmpty(), problems);
                });
    }

    private static String reason(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
