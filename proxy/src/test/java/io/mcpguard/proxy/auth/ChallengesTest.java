package io.mcpguard.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.config.ProxyConfig;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChallengesTest {

    @Test
    void the_metadata_url_puts_the_well_known_segment_between_host_and_path_rfc_9728() {
        assertThat(Challenges.metadataUrl(URI.create("https://mcp.example.com/mcp")))
                .isEqualTo("https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
        assertThat(Challenges.metadataUrl(URI.create("https://mcp.example.com:8443/tenant/a/mcp")))
                .isEqualTo("https://mcp.example.com:8443/.well-known/oauth-protected-resource/tenant/a/mcp");
        assertThat(Challenges.metadataUrl(URI.create("https://mcp.example.com/")))
                .isEqualTo("https://mcp.example.com/.well-known/oauth-protected-resource");
    }

    @Test
    void the_authorization_server_metadata_url_follows_rfc_8414() {
        assertThat(IssuerKeys.rfc8414(URI.create("https://login.example.com/realms/acme")))
                .hasToString("https://login.example.com/.well-known/oauth-authorization-server/realms/acme");
    }

    @Test
    void challenges_name_the_metadata_and_the_scopes_and_never_carry_a_quote_from_a_description() {
        ProxyConfig.Auth auth = ProxyConfig.parse("""
                        auth:
                          resource: https://mcp.example.com/mcp
                          required-scopes: [mcp]
                          tool-scopes:
                            merge_pull_request: [repo:admin]
                        """, Map.of()).auth();
        Challenges challenges = new Challenges(auth, new ScopeRequirements(auth));

        assertThat(challenges.unauthorized(null, "ignored"))
                .isEqualTo(
                        "Bearer resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\","
                                + " scope=\"mcp\"");
        assertThat(challenges.unauthorized("invalid_token", "say \"hi\"\\"))
                .endsWith("error=\"invalid_token\", error_description=\"say ?hi??\"");
        assertThat(challenges.insufficientScope(List.of("mcp", "repo:admin"), "more"))
                .startsWith("Bearer error=\"insufficient_scope\", scope=\"mcp repo:admin\", resource_metadata=");
        assertThat(challenges.metadata().get("scopes_supported").toString()).isEqualTo("[\"mcp\",\"repo:admin\"]");
    }
}
