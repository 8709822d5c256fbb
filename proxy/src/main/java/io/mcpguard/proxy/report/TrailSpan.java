package io.mcpguard.proxy.report;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the compliance report reads from one span of the audit trail: a message the proxy decided on, or a request
 * it refused before any decision. Only the proxy's own attributes ({@code docs/audit.md}); never a value of a call.
 *
 * @param start when the message arrived
 * @param subject the subject id as recorded (a pseudonym when the trail pseudonymises), or null before
 *     authentication
 * @param keyId the pseudonymisation key that made {@code subject} ({@code mcp.policy.subject.key_id}), else null
 * @param method the MCP method, or null for a request span
 * @param tool the tool of a {@code tools/call}, else null
 * @param labels the call's labels ({@code mcp.policy.label.*}, from {@code audit.label-arguments}): a workspace
 * @param outcome {@code mcp.policy.outcome}
 * @param reasons the decision's reasons (or the proxy's own reason on a request span)
 * @param masked masked items by data class
 * @param events security events on the span, by name
 * @param revision the policy bundle revision that decided, else null
 */
record TrailSpan(
        Instant start,
        String subject,
        String keyId,
        String method,
        String tool,
        Map<String, String> labels,
        String outcome,
        List<String> reasons,
        Map<String, Long> masked,
        List<String> events,
        String revision) {

    TrailSpan {
        labels = Map.copyOf(labels);
        reasons = List.copyOf(reasons);
        masked = Map.copyOf(masked);
        events = List.copyOf(events);
    }
}
