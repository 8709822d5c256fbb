package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What the policy answered for one message.
 *
 * @param allow whether the message may pass
 * @param reasons short texts the policy marked safe to show the caller
 * @param decisionId OPA's decision id (present when OPA's decision log is on), else null
 * @param revision the policy bundle revision that decided, else null
 * @param result the whole decision document, for stages that read more of it (masking, quotas)
 */
public record Decision(boolean allow, List<String> reasons, String decisionId, String revision, JsonNode result) {
    public Decision {
        reasons = List.copyOf(reasons);
    }

    /**
     * Whether the policy refuses only until the subject authenticates with a second factor: {@code
     * obligations.require_mfa == true} in the decision. The one place the proxy reads that obligation; the
     * transport turns it into a 403 {@code insufficient_scope} step-up challenge.
     */
    public boolean requiresMfa() {
        if (result == null) {
            return false;
        }
        JsonNode flag = result.path("obligations").path("require_mfa");
        return flag.isBoolean() && flag.asBoolean();
    }
}
