package io.mcpguard.core.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mcpguard.core.bitbucket.BitbucketException;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.util.List;

/**
 * The one place that turns outcomes into {@link CallToolResult}s. Failures are {@code isError: true} results (MCP
 * 2025-11-25, SEP-1303: the model should see them and can correct itself), each saying what happened and what to do
 * next. No stack trace or exception class ever reaches the client.
 */
public final class ToolResults {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ToolResults() {}

    public static CallToolResult json(JsonNode view) {
        try {
            return text(JSON.writeValueAsString(view));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of JSON nodes always serialises", e);
        }
    }

    public static CallToolResult text(String text) {
        return CallToolResult.builder()
                .content(List.of(TextContent.builder(text).build()))
                .isError(false)
                .build();
    }

    public static CallToolResult error(String message) {
        return CallToolResult.builder()
                .content(List.of(TextContent.builder(message).build()))
                .isError(true)
                .build();
    }

    public static CallToolResult invalidInput(String tool, ToolInputException e) {
        return error("Invalid arguments for " + tool + ": " + e.getMessage() + ".");
    }

    /** A Bitbucket failure told apart by class, with Bitbucket's own message and the next step. */
    public static CallToolResult bitbucketFailure(String tool, BitbucketException e) {
        String said = e.bitbucketMessage() == null || e.bitbucketMessage().isBlank()
                ? ""
                : " Bitbucket said: \"" + e.bitbucketMessage() + "\".";
        String message = switch (e.kind()) {
            case UNAUTHORIZED ->
                "Bitbucket rejected this server's credentials (HTTP 401)." + said
                        + " Check BITBUCKET_EMAIL + BITBUCKET_API_TOKEN (an Atlassian API token, sent as HTTP"
                        + " Basic; app passwords no longer work) or BITBUCKET_ACCESS_TOKEN (Bearer). This is a"
                        + " server configuration problem; retrying will not help.";
            case FORBIDDEN ->
                "Bitbucket refused " + tool + " (HTTP 403: authenticated, but not allowed)."
                        + said + " The token may lack a scope this call needs (for example"
                        + " write:pullrequest:bitbucket) or the account lacks permission on this repository.";
            case NOT_FOUND ->
                "Not found (HTTP 404)." + said
                        + " Check the workspace and repository slugs, the branch, path or pull request id (list"
                        + " them with list_workspaces, list_repositories, list_branches or list_pull_requests)."
                        + " Bitbucket also answers 404 for private resources this account cannot see.";
            case CONFLICT ->
                "Conflict (HTTP 409): the request does not fit the current state in Bitbucket."
                        + said + " Fetch the current state (for example with get_pull_request) before deciding"
                        + " whether to retry.";
            case RATE_LIMITED ->
                "Bitbucket is rate limiting this server (HTTP 429)." + said
                        + (e.retryAfterSeconds() != null
                                ? " Retry after " + e.retryAfterSeconds() + " seconds."
                                : " Wait a minute before retrying.");
            case BAD_REQUEST ->
                "Bitbucket rejected the request (HTTP " + e.status() + ")." + said
                        + " Correct the arguments and try again.";
            case SERVER_ERROR ->
                "Bitbucket failed (HTTP " + e.status() + ")." + said
                        + (e.retryAfterSeconds() != null
                                ? " Retry after " + e.retryAfterSeconds() + " seconds."
                                : " This is on Bitbucket's side; try again later.");
            case UNREACHABLE -> e.getMessage() + ". Check BITBUCKET_URL and the network.";
            case UNEXPECTED -> "Bitbucket answered HTTP " + e.status() + "." + said;
        };
        return error(message);
    }
}
