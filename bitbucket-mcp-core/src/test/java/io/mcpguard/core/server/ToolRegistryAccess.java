package io.mcpguard.core.server;

import io.mcpguard.core.tools.ToolDefinition;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;

/** Lets tests run a tool through the same error handling as a real call, without a transport. */
public final class ToolRegistryAccess {
    private ToolRegistryAccess() {}

    public static CallToolResult invoke(ToolDefinition tool, Map<String, Object> arguments) {
        return ToolRegistry.invoke(tool, arguments);
    }
}
