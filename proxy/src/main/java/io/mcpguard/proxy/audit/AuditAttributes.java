package io.mcpguard.proxy.audit;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * The names on an audit span. The first group is the OpenTelemetry semantic conventions for MCP (spelled exactly
 * as there; most are "Development"); the {@code mcp.policy.*} group is ours, because no convention covers
 * authorization decisions. {@code docs/audit.md} lists them all with their meaning.
 */
final class AuditAttributes {
    private AuditAttributes() {}

    // OpenTelemetry semantic conventions (MCP, GenAI, RPC, network, client/server).
    static final AttributeKey<String> MCP_METHOD_NAME = AttributeKey.stringKey("mcp.method.name");
    static final AttributeKey<String> MCP_SESSION_ID = AttributeKey.stringKey("mcp.session.id");
    static final AttributeKey<String> MCP_PROTOCOL_VERSION = AttributeKey.stringKey("mcp.protocol.version");
    static final AttributeKey<String> MCP_RESOURCE_URI = AttributeKey.stringKey("mcp.resource.uri");
    static final AttributeKey<String> GEN_AI_TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
    static final AttributeKey<String> GEN_AI_PROMPT_NAME = AttributeKey.stringKey("gen_ai.prompt.name");
    static final AttributeKey<String> GEN_AI_OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> JSONRPC_REQUEST_ID = AttributeKey.stringKey("jsonrpc.request.id");
    static final AttributeKey<String> GEN_AI_TOOL_CALL_ARGUMENTS = AttributeKey.stringKey("gen_ai.tool.call.arguments");
    static final AttributeKey<String> GEN_AI_TOOL_CALL_RESULT = AttributeKey.stringKey("gen_ai.tool.call.result");
    static final AttributeKey<String> RPC_RESPONSE_STATUS_CODE = AttributeKey.stringKey("rpc.response.status_code");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> NETWORK_TRANSPORT = AttributeKey.stringKey("network.transport");
    static final AttributeKey<String> NETWORK_PROTOCOL_NAME = AttributeKey.stringKey("network.protocol.name");
    static final AttributeKey<String> NETWORK_PROTOCOL_VERSION = AttributeKey.stringKey("network.protocol.version");
    static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    static final AttributeKey<Long> CLIENT_PORT = AttributeKey.longKey("client.port");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

    // Ours: the policy decision and the subject it was made for.
    /** allow, deny, step_up, over_quota, unavailable, not_sent, insufficient_scope, upstream_error. */
    static final AttributeKey<String> POLICY_OUTCOME = AttributeKey.stringKey("mcp.policy.outcome");

    static final AttributeKey<List<String>> POLICY_REASONS = AttributeKey.stringArrayKey("mcp.policy.reasons");
    static final AttributeKey<String> POLICY_REVISION = AttributeKey.stringKey("mcp.policy.revision");
    static final AttributeKey<String> POLICY_DECISION_ID = AttributeKey.stringKey("mcp.policy.decision_id");
    static final AttributeKey<String> POLICY_AUDIT_LEVEL = AttributeKey.stringKey("mcp.policy.audit_level");
    static final AttributeKey<List<String>> POLICY_MASK = AttributeKey.stringArrayKey("mcp.policy.mask");
    static final AttributeKey<String> POLICY_QUOTA_KEY = AttributeKey.stringKey("mcp.policy.quota.key");
    static final AttributeKey<Long> POLICY_QUOTA_LIMIT = AttributeKey.longKey("mcp.policy.quota.limit");
    static final AttributeKey<Long> POLICY_QUOTA_REMAINING = AttributeKey.longKey("mcp.policy.quota.remaining");
    /** List items (tools, prompts, resources, resource templates) the policy hid from the exchange's answer. */
    static final AttributeKey<Long> POLICY_LIST_HIDDEN = AttributeKey.longKey("mcp.policy.list.hidden");

    static final AttributeKey<Boolean> POLICY_MFA_REQUIRED = AttributeKey.booleanKey("mcp.policy.mfa_required");
    /** Shadow mode: what the candidate policy made of the same input (agree, disagree, failed). */
    static final AttributeKey<String> POLICY_SHADOW_RESULT = AttributeKey.stringKey("mcp.policy.shadow.result");

    static final AttributeKey<List<String>> POLICY_SHADOW_KINDS =
            AttributeKey.stringArrayKey("mcp.policy.shadow.kinds");
    static final AttributeKey<Boolean> POLICY_SHADOW_ALLOW = AttributeKey.booleanKey("mcp.policy.shadow.allow");
    static final AttributeKey<List<String>> POLICY_SHADOW_REASONS =
            AttributeKey.stringArrayKey("mcp.policy.shadow.reasons");
    static final AttributeKey<String> POLICY_SHADOW_REVISION = AttributeKey.stringKey("mcp.policy.shadow.revision");
    static final AttributeKey<String> SUBJECT_ID = AttributeKey.stringKey("mcp.policy.subject.id");
    static final AttributeKey<Boolean> SUBJECT_PSEUDONYMISED =
            AttributeKey.booleanKey("mcp.policy.subject.pseudonymised");
    /** Which pseudonymisation key made {@code subject.id}: its key period (see {@link SubjectPseudonyms#keyId()}). */
    static final AttributeKey<String> SUBJECT_KEY_ID = AttributeKey.stringKey("mcp.policy.subject.key_id");

    static final AttributeKey<List<String>> SUBJECT_ROLES = AttributeKey.stringArrayKey("mcp.policy.subject.roles");
    static final AttributeKey<String> SUBJECT_TENANT = AttributeKey.stringKey("mcp.policy.subject.tenant");
    static final AttributeKey<Boolean> SUBJECT_AUTHENTICATED =
            AttributeKey.booleanKey("mcp.policy.subject.authenticated");
    static final AttributeKey<String> AUTH_METHOD = AttributeKey.stringKey("mcp.policy.auth.method");
    static final AttributeKey<Boolean> AUTH_MFA = AttributeKey.booleanKey("mcp.policy.auth.mfa");
    static final AttributeKey<List<String>> AUTH_AMR = AttributeKey.stringArrayKey("mcp.policy.auth.amr");
}
