package io.mcpguard.proxy.quota;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.mcpguard.proxy.policy.GateVerdict;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces the quotas of an allowed body: every message whose decision names a bucket takes its cost from it. The
 * mechanism is here; what to count, how much and how fast is the policy's ({@code decision.quota}).
 *
 * <p>A body over quota is refused whole (as a batch with a denied element is): the message over quota gets {@link
 * ErrorCode#OVER_QUOTA} with {@code error.data.retry_after_ms}, the others {@link ErrorCode#BATCH_NOT_FORWARDED}.
 * Tokens already taken by earlier elements of that batch are not returned: a client that sends batches it knows
 * exceed its quota pays for them.
 */
public final class QuotaGate {
    private static final Logger log = LoggerFactory.getLogger(QuotaGate.class);

    private final QuotaStore store;

    public QuotaGate(QuotaStore store) {
        this.store = store;
    }

    /**
     * What the buckets said about one body.
     *
     * @param refusals empty when every bucket had room; else one refusal per message, in body order
     * @param taken per message in body order, its bucket's answer, or null for a message no quota covers (or when
     *     the store failed)
     */
    public record Result(List<Refusal> refusals, List<QuotaOutcome> taken) {
        public Result {
            refusals = List.copyOf(refusals);
            taken = java.util.Collections.unmodifiableList(new ArrayList<>(taken));
        }
    }

    /** Completes with no refusals when every bucket had room; never completes exceptionally. */
    public CompletableFuture<Result> enforce(GateVerdict verdict) {
        List<GateVerdict.Outcome> outcomes = verdict.outcomes();
        List<CompletableFuture<QuotaOutcome>> takes = new ArrayList<>(outcomes.size());
        for (GateVerdict.Outcome outcome : outcomes) {
            var spec = outcome.decision() == null ? null : outcome.decision().quota();
            takes.add(spec == null ? CompletableFuture.completedFuture(null) : store.take(spec));
        }
        return CompletableFuture.allOf(takes.toArray(CompletableFuture[]::new)).handle((done, failure) -> {
            List<QuotaOutcome> taken = new ArrayList<>(takes.size());
            for (CompletableFuture<QuotaOutcome> take : takes) {
                taken.add(failure == null ? take.join() : null);
            }
            return new Result(refusals(outcomes, takes, failure), taken);
        });
    }

    private static List<Refusal> refusals(
            List<GateVerdict.Outcome> outcomes, List<CompletableFuture<QuotaOutcome>> takes, Throwable failure) {
        int refused = -1;
        QuotaOutcome over = null;
        for (int i = 0; i < takes.size() && refused < 0; i++) {
            if (failure != null) { // the message whose take failed is the one refused as unchecked
                if (takes.get(i).isCompletedExceptionally()) {
                    refused = i;
                }
                continue;
            }
            QuotaOutcome taken = takes.get(i).join();
            if (taken != null && !taken.granted()) {
                refused = i;
                over = taken;
            }
        }
        if (refused < 0) {
            return List.of();
        }
        List<Refusal> refusals = new ArrayList<>(outcomes.size());
        for (int i = 0; i < outcomes.size(); i++) {
            var message = outcomes.get(i).message();
            if (i != refused) {
                refusals.add(new Refusal(
                        message.id(),
                        ErrorCode.BATCH_NOT_FORWARDED,
                        "Not sent: batch element " + refused + " was over its quota",
                        null));
            } else if (over == null && CompletionCause.of(failure) instanceof QuotaStoreUnavailableException) {
                // The store logs the outage once; a line per refused call would flood the log during it.
                refusals.add(new Refusal(
                        message.id(),
                        ErrorCode.POLICY_UNAVAILABLE,
                        "Quota store unavailable: the quota could not be checked; not sent",
                        null));
            } else if (over == null) {
                log.atWarn().setCause(failure).log("quota store failed; refusing");
                refusals.add(new Refusal(
                        message.id(), ErrorCode.POLICY_UNAVAILABLE, "Quota could not be checked; not sent", null));
            } else {
                log.atInfo()
                        .addKeyValue("mcp.method", message.method())
                        .addKeyValue("gen_ai.tool.name", message.toolName())
                        .addKeyValue("retry_after_ms", over.retryAfterMillis())
                        .log("over quota");
                ObjectNode data = JsonNodeFactory.instance.objectNode();
                data.put("retry_after_ms", over.retryAfterMillis());
                data.put("limit", outcomes.get(i).decision().quota().limit());
                data.put("window_ms", outcomes.get(i).decision().quota().windowMillis());
                refusals.add(new Refusal(
                        message.id(),
                        ErrorCode.OVER_QUOTA,
                        "Over quota: retry in " + over.retryAfterMillis() + " ms",
                        data));
            }
        }
        return refusals;
    }
}
