package io.mcpguard.proxy.forward;

import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.UpstreamErrorSanitizer;
import io.mcpguard.proxy.policy.DeclaredTools;

/**
 * What the answer path needs to inspect answers, shared by every exchange (thread-safe): the masker, the error
 * sanitizer and the mapping from policy classes to masking rules. Each answer gets its own {@link AnswerInspector}.
 */
public record AnswerInspection(JsonMasker masker, UpstreamErrorSanitizer errors, MaskRules rules) {

    AnswerInspector forAnswer(AnswerPlan plan, DeclaredTools declared) {
        return new AnswerInspector(this, plan, new ToolListFilter(plan, declared));
    }
}
