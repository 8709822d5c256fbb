package io.mcpguard.core.server;

import io.mcpguard.core.bitbucket.BitbucketException;
import io.mcpguard.core.tools.Args;
import io.mcpguard.core.tools.ToolDefinition;
import io.mcpguard.core.tools.ToolInputException;
import io.mcpguard.core.tools.ToolResults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the enabled tools on an SDK server, the same way for HTTP and stdio. Every call goes through {@link #invoke},
 * the one place where failures become {@code isError} results and nothing else escapes to the SDK (which would turn
 * an exception into a protocol error carrying its message).
 */
public final class ToolRegistry {
    public static final String SERVER_NAME = "bitbucket-mcp-core";
    public static final String SERVER_VERSION = "0.1.0";

    private static final Logger LOG = LoggerFactory.getLogger(ToolRegistry.class);
    private static final String INSTRUCTIONS = "Typed tools for Bitbucket Cloud: browse workspaces, repositories,"
            + " branches, commits, files and pull requests; with writes enabled, open, edit, comment on and review"
            + " pull requests; with dangerous tools enabled, merge or decline them and delete branches. List tools"
            + " are paginated (page, limit; the answer gives next_page); large files and diffs come in slices and"
            + " say how to read on.";

    private ToolRegistry() {}

    static <S extends McpServer.SyncSpecification<S>> McpServer.SyncSpecification<S> configure(
            McpServer.SyncSpecification<S> spec, List<ToolDefinition> tools) {
        return spec.serverInfo(SERVER_NAME, SERVER_VERSION)
                .instructions(INSTRUCTIONS)
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .validateToolInputs(true)
                .tools(tools.stream().map(ToolRegistry::specification).toList());
    }

    private static SyncToolSpecification specification(ToolDefinition definition) {
        return SyncToolSpecification.builder()
                .tool(definition.tool())
                .callHandler((exchange, request) -> invoke(definition, request.arguments()))
                .build();
    }

    static CallToolResult invoke(ToolDefinition definition, Map<String, Object> arguments) {
        long start = System.nanoTime();
        String outcome = "ok";
        try {
            CallToolResult result = definition.handler().call(new Args(arguments));
            if (Boolean.TRUE.equals(result.isError())) outcome = "error";
            return result;
        } catch (ToolInputException e) {
            outcome = "invalid-input";
            return ToolResults.invalidInput(definition.name(), e);
        } catch (BitbucketException e) {
            outcome = "bitbucket-" + (e.status() == 0 ? "unreachable" : e.status());
            return ToolResults.bitbucketFailure(definition.name(), e);
        } catch (RuntimeException e) {
            outcome = "internal-error";
            LOG.error("tool {} failed", definition.name(), e);
            return ToolResults.error("Internal error in " + definition.name()
                    + "; the server log has the details. Retrying will" + " probably fail the same way.");
        } finally {
            LOG.info("tool {} -> {} in {} ms", definition.name(), outcome, (System.nanoTime() - start) / 1_000_000);
        }
    }
}
