package io.mcpguard.core.bitbucket;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * How the core proves itself to Bitbucket. Cloud API tokens go as HTTP Basic {@code email:token} (not Bearer);
 * repository/project/workspace access tokens and OAuth tokens go as Bearer. The credential is the core's own: it is
 * never taken from an MCP client.
 */
public sealed interface BitbucketAuth {
    String headerValue();

    /** A short description for logs that never contains the secret. */
    String describe();

    record ApiToken(String email, String token) implements BitbucketAuth {
        @Override
        public String headerValue() {
            return "Basic "
                    + Base64.getEncoder().encodeToString((email + ":" + token).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String describe() {
            return "API token of " + email + " (HTTP Basic)";
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    record AccessToken(String token) implements BitbucketAuth {
        @Override
        public String headerValue() {
            return "Bearer " + token;
        }

        @Override
        public String describe() {
            return "access token (Bearer)";
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** No credential: only public repositories are readable, everything else answers 401/403/404. */
    record Anonymous() implements BitbucketAuth {
        @Override
        public String headerValue() {
            return null;
        }

        @Override
        public String describe() {
            return "anonymous";
        }
    }
}
