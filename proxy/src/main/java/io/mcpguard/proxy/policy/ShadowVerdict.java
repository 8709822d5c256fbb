package io.mcpguard.proxy.policy;

import java.util.List;

/**
 * What the candidate policy of shadow mode made of a message the enforced policy decided: whether it agreed, and
 * if not, the kinds of change ({@link DecisionDiff#KINDS}). It never changed what happened to the message.
 *
 * @param result agree, disagree, or failed (the candidate could not decide: OPA down, timeout, bad document)
 * @param kinds the kinds of change; empty unless the result is disagree
 * @param allow whether the candidate would have let the message pass; false when it failed
 * @param reasons the candidate's reasons (safe to show, by the policy contract); empty when it failed
 * @param revision the candidate's bundle revision, else null
 */
public record ShadowVerdict(Result result, List<String> kinds, boolean allow, List<String> reasons, String revision) {

    public enum Result {
        AGREE,
        DISAGREE,
        FAILED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ShadowVerdict {
        kinds = List.copyOf(kinds);
        reasons = List.copyOf(reasons);
    }

    static ShadowVerdict failed() {
        return new ShadowVerdict(Result.FAILED, List.of(), false, List.of(), null);
    }
}
