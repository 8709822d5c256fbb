package io.mcpguard.sandbox;

import java.util.Set;

/**
 * What a caller may present: an Atlassian API token (HTTP Basic {@code email:token}) or an access token (Bearer),
 * with the scopes Bitbucket checks per endpoint.
 */
record Credential(String email, String apiToken, String accessToken, User user, Set<String> scopes) {}
