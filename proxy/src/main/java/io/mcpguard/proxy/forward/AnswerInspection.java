package io.mcpguard.proxy.forward;

import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.MaskedSnapshots;
import io.mcpguard.proxy.mask.UpstreamErrorSanitizer;
import io.mcpguard.proxy.policy.DeclaredTools;

/**
 * What the answer path needs to inspect answers, shared by every exchange (thread-safe): the masker, the error
 * sanitizer, the mapping from policy classes to masking rules, and (when the audit trail records answers) the masked
 * snapshots. Each answer gets its own {@link AnswerInspector}.
 */
public record AnswerInspection(
        JsonMasker masker, UpstreamErrorSanitizer errors, MaskRules rules, MaskedSnapshots snapshots) {

    /** Without recording: no answer is ever copied for the audit trail. */
    public AnswerInspection(JsonMasker masker, UpstreamErrorSanitizer errors, MaskRules rules) {
        this(masker, errors, rules, null);
    }

    AnswerInspector forAnswer(AnswerPlan plan, DeclaredTools declared, RelayListener listener) {
        return new AnswerInspector(this, plan, new ToolListFilter(plan, declared), new ItemListFilter(plan), listener);
    }
}
