package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What the policy answered for one message: the decision document of {@code policies/schema/decision.schema.jsonc},
 * typed, plus what OPA said about it.
 *
 * @param allow whether the message may pass
 * @param reasons short texts the policy marked safe to show the caller
 * @param mask data classes the answer path must mask (the masking stage applies them); empty when none
 * @param quota the token bucket an allowed message draws from, or null when it is not counted
 * @param stepUp when non-null, the denial is an MFA step-up: the identity stage answers it with a 403 {@code
 *     insufficient_scope} challenge instead of a plain denial
 * @param auditLevel {@code normal} or {@code high}
 * @param cacheTtlMillis how long this decision may be reused for the same input; 0 = never
 * @param visibleTools for a {@code tools/list} request, the tool names its answer may show; null for anything else
 * @param decisionId OPA's decision id when OPA's decision log is on, else one the proxy assigns; null only for a
 *     denial decided before the policy was asked
 * @param revision the policy bundle revision that decided, else null
 * @param result the whole decision document, for stages that read more of it
 * @param shadow in shadow mode, what the candidate policy makes of the same input (completes after this decision
 *     is known; never fails); null when shadow mode is off or this message was not sampled
 * @param visiblePrompts for a {@code prompts/list} request, the patterns of the prompt names its answer may show
 *     ({@code lists.prompts}); null when the decision names none
 * @param visibleResources for a {@code resources/list} or {@code resources/templates/list} request, the patterns of
 *     the resource URIs and URI templates its answer may show ({@code lists.resources}); null when the decision names
 *     none
 */
public record Decision(
        boolean allow,
        List<String> reasons,
        List<String> mask,
        QuotaSpec quota,
        StepUp stepUp,
        String auditLevel,
        long cacheTtlMillis,
        Set<String> visibleTools,
        String decisionId,
        String revision,
        JsonNode result,
        CompletableFuture<ShadowVerdict> shadow,
        ListPatterns visiblePrompts,
        ListPatterns visibleResources) {

    public Decision {
        reasons = List.copyOf(reasons);
        mask = List.copyOf(mask);
        visibleTools = visibleTools == null ? null : Set.copyOf(visibleTools);
    }

    /**
     * A decision with no shadow verdict (shadow mode off, or not sampled) that names no prompt or resource patterns
     * (every message but a prompt or resource list).
     */
    public Decision(
            boolean allow,
            List<String> reasons,
            List<String> mask,
            QuotaSpec quota,
            StepUp stepUp,
            String auditLevel,
            long cacheTtlMillis,
            Set<String> visibleTools,
            String decisionId,
            String revision,
            JsonNode result) {
        this(
                allow,
                reasons,
                mask,
                quota,
                stepUp,
                auditLevel,
                cacheTtlMillis,
                visibleTools,
                decisionId,
                revision,
                result,
                null,
                null,
                null);
    }

    /** This decision with the candidate policy's verdict on the same input beside it. */
    public Decision withShadow(CompletableFuture<ShadowVerdict> verdict) {
        return new Decision(
                allow,
                reasons,
                mask,
                quota,
                stepUp,
                auditLevel,
                cacheTtlMillis,
                visibleTools,
                decisionId,
                revision,
                result,
                verdict,
                visiblePrompts,
                visibleResources);
    }

    /**
     * A denial the proxy makes itself, before the policy is asked, for a message the policy must not be made to
     * read (see {@link PolicyInputBound}); recorded in full like every denial.
     */
    public static Decision deniedBeforePolicy(String reason) {
        return new Decision(false, List.of(reason), List.of(), null, null, "high", 0, null, null, null, null);
    }

    /**
     * A token bucket: at most {@code limit} units per {@code windowMillis}, this message costing {@code cost}.
     *
     * @param key the bucket's identity, chosen by the policy (who, which tool class)
     * @param onStoreFailure what the proxy does when the shared quota store cannot answer
     */
    public record QuotaSpec(String key, long limit, long windowMillis, long cost, StoreFailureMode onStoreFailure) {
        /** A bucket that refuses when its store cannot answer (the policy's default). */
        public QuotaSpec(String key, long limit, long windowMillis, long cost) {
            this(key, limit, windowMillis, cost, StoreFailureMode.DENY);
        }
    }

    /**
     * What a quota does when the shared store (Redis) cannot answer: {@code deny} refuses the call; {@code local}
     * counts it in this replica's own bucket instead, so the limit holds per replica until the store is back.
     */
    public enum StoreFailureMode {
        DENY,
        LOCAL
    }

    /**
     * What the subject must prove before the denied call can pass (policy obligation {@code require_mfa}).
     *
     * @param amrAny authentication methods (RFC 8176 {@code amr} values), any one of which is a second factor
     * @param maxAgeSeconds how recent {@code auth_time} must be
     */
    public record StepUp(List<String> amrAny, long maxAgeSeconds) {
        public StepUp {
            amrAny = List.copyOf(amrAny);
        }
    }

    /**
     * Whether the policy refuses only until the subject authenticates with a second factor: the decision carries
     * {@code obligations.require_mfa} ({@link #stepUp()}). The transport turns it into a 403 {@code
     * insufficient_scope} step-up challenge.
     */
    public boolean requiresMfa() {
        return stepUp != null;
    }
}
