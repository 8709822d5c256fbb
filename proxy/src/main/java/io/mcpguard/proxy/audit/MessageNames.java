package io.mcpguard.proxy.audit;

import static io.mcpguard.proxy.audit.AuditAttributes.*;
import static io.mcpguard.proxy.audit.SpanValues.setIfPresent;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.mask.ClientText;
import io.opentelemetry.api.trace.SpanBuilder;

/**
 * What the client named in a message, as the trail records it: each value through {@link ClientText}, so a
 * secret sent as a tool name or a request id is redacted, and a long value cut.
 */
record MessageNames(String method, String tool, String prompt, String resourceUri, String requestId) {
    static MessageNames of(JsonRpcMessage message, ClientText clean) {
        String method = message.method();
        JsonNode id = message.id();
        return new MessageNames(
                clean.of(method),
                clean.of(message.toolName()),
                clean.of(message.paramText("prompts/get", "name")),
                method != null && method.startsWith("resources/") ? clean.of(message.paramText(method, "uri")) : null,
                id == null || id.isNull() ? null : clean.of(id.isTextual() ? id.asText() : id.toString()));
    }

    /** {@code {mcp.method.name} {target}}: the target is the tool or prompt name, never the resource URI. */
    String spanName() {
        if (method == null) {
            return "response";
        }
        if (tool != null) {
            return method + " " + tool;
        }
        return prompt != null ? method + " " + prompt : method;
    }

    void describe(SpanBuilder builder) {
        setIfPresent(builder, MCP_METHOD_NAME, method);
        if (tool != null) {
            builder.setAttribute(GEN_AI_TOOL_NAME, tool);
            builder.setAttribute(GEN_AI_OPERATION_NAME, "execute_tool");
        }
        setIfPresent(builder, GEN_AI_PROMPT_NAME, prompt);
        setIfPresent(builder, MCP_RESOURCE_URI, resourceUri);
        setIfPresent(builder, JSONRPC_REQUEST_ID, requestId);
    }
}
