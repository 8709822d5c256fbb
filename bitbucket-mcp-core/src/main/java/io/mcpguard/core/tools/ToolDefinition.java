package io.mcpguard.core.tools;

import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.util.Map;

/** A tool as the catalogue knows it: its MCP description, how much it can change, and its body. */
public record ToolDefinition(Tool tool, Access access, ToolHandler handler) {

    public String name() {
        return tool.name();
    }

    static ToolDefinition of(
            String name,
            String title,
            String description,
            Map<String, Object> inputSchema,
            Access access,
            boolean idempotent,
            ToolHandler handler) {
        boolean readOnly = access == Access.READ;
        ToolAnnotations annotations = new ToolAnnotations(
                title,
                readOnly,
                // MCP: destructiveHint is meaningful only when readOnlyHint is false.
                access == Access.DANGEROUS,
                idempotent,
                true, // every tool talks to Bitbucket, an open world outside this server
                null);
        Tool tool = Tool.builder(name, inputSchema)
                .title(title)
                .description(description)
                .annotations(annotations)
                .build();
        return new ToolDefinition(tool, access, handler);
    }
}
