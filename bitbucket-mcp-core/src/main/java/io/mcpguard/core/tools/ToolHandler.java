package io.mcpguard.core.tools;

import io.mcpguard.core.bitbucket.BitbucketException;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

/** The body of one tool: validated arguments in, a result out; Bitbucket failures are thrown, not formatted. */
@FunctionalInterface
public interface ToolHandler {
    CallToolResult call(Args args) throws BitbucketException;
}
