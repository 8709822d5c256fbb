package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.SandboxCore;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The secrets and personal data planted in the sandbox Bitbucket, read through the real Bitbucket MCP server (which
 * answers {@code tools/call} as SSE) behind the proxy with a real OPA: a viewer sees none of them; a maintainer, whom
 * the policy lets see personal data, sees the personal data and still none of the secrets.
 *
 * <p>The planted values are first read from the MCP server directly, so the test proves they are there to mask.
 */
class SandboxMaskingTest {
    private static final Map<String, Object> CONFIG =
            Map.of("workspace", "acme", "repo", "payments-api", "path", "config/application-prod.yml");
    private static final Map<String, Object> PR_2 = Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2);
    private static final Map<String, Object> COMMITS = Map.of("workspace", "acme", "repo", "payments-api");

    @RegisterExtension
    @Order(1)
    static final ClassPart<SandboxCore> core = ClassPart.of(SandboxCore::new);

    /** The viewer's proxy in front of the core. */
    @RegisterExtension
    @Order(2)
    static final ProxyStack stack = ProxyStack.builder()
            .upstreamUrl(() -> core.get().mcpUrl())
            .subjects((ctx, request) -> subject("viewer@acme/*"))
            .build();

    /** The maintainer's proxy, a second one in front of the same core and OPA. */
    private static ProxyHarness maintainerProxy;

    private static McpSyncClient direct;
    private static McpSyncClient viewer;
    private static McpSyncClient maintainer;

    @BeforeAll
    static void start() {
        maintainerProxy = new ProxyHarness(
                core.get().mcpUrl(), stack.opa().url(), Map.of(), (ctx, request) -> subject("maintainer@acme/*"));
        direct = client(core.get().baseUrl());
        viewer = client(stack.proxy().baseUrl());
        maintainer = client(maintainerProxy.baseUrl());
    }

    @AfterAll
    static void stop() {
        for (McpSyncClient client : new McpSyncClient[] {direct, viewer, maintainer}) {
            if (client != null) client.closeGracefully();
        }
        if (maintainerProxy != null) maintainerProxy.close();
    }

    private static Subject subject(String role) {
        return new Subject(role, true, "jwt", List.of(role), List.of(), null, List.of("pwd"), null, null, null);
    }

    private static McpSyncClient client(String baseUrl) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(baseUrl)
                        .endpoint(HttpMcpServer.ENDPOINT)
                        .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        client.initialize();
        return client;
    }

    private static String text(McpSyncClient client, String tool, Map<String, Object> arguments) {
        CallToolResult result = client.callTool(
                CallToolRequest.builder(tool).arguments(arguments).build());
        assertThat(result.isError()).as("%s failed", tool).isNotEqualTo(Boolean.TRUE);
        StringBuilder out = new StringBuilder();
        result.content().forEach(c -> out.append(((TextContent) c).text()));
        return out.toString();
    }

    /** Every match of {@code group} of {@code regex} in {@code text}; at least one. */
    private static List<String> planted(String text, String regex, int group) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group(group));
        }
        assertThat(found).as("planted values for %s", regex).isNotEmpty();
        return found;
    }

    /** The secrets of acme/payments-api:config/application-prod.yml, as the MCP server returns them unmasked. */
    private static List<String> configSecrets() {
        String raw = text(direct, "get_file_content", CONFIG);
        List<String> secrets = new ArrayList<>();
        secrets.addAll(planted(raw, "AKIA[A-Z0-9]{16}", 0));
        secrets.addAll(planted(raw, "secret-access-key: (\\S+)", 1));
        secrets.addAll(planted(raw, "postgresql://[^:/]+:([^@\\s]+)@", 1));
        secrets.addAll(planted(raw, "-----BEGIN RSA PRIVATE KEY-----\\s+(\\S+)", 1));
        return secrets;
    }

    @Test
    void a_viewer_sees_no_secret_of_the_production_config() {
        List<String> secrets = configSecrets();

        String masked = text(viewer, "get_file_content", CONFIG);

        assertThat(masked).contains("[REDACTED:aws-access-key]").contains("maximum-pool-size");
        for (String secret : secrets) {
            assertThat(masked).doesNotContain(secret);
        }
        assertThat(masked).doesNotContain("acme-corp.internal");
    }

    @Test
    void a_maintainer_sees_no_secret_either() {
        List<String> secrets = configSecrets();

        String masked = text(maintainer, "get_file_content", CONFIG);

        for (String secret : secrets) {
            assertThat(masked).doesNotContain(secret);
        }
        assertThat(masked).contains("[REDACTED:");
    }

    @Test
    void the_api_token_in_a_pull_request_comment_is_masked_for_every_role() {
        String token = planted(text(direct, "list_pull_request_comments", PR_2), "ATATT3[A-Za-z0-9_=-]{40,}", 0)
                .get(0);

        assertThat(text(viewer, "list_pull_request_comments", PR_2))
                .doesNotContain(token)
                .doesNotContain("ATATT3")
                .contains("[REDACTED:atlassian-api-token]");
        assertThat(text(maintainer, "list_pull_request_comments", PR_2)).doesNotContain("ATATT3");
    }

    @Test
    void personal_data_in_a_pull_request_is_masked_for_a_viewer_and_shown_to_a_maintainer() {
        String raw = text(direct, "get_pull_request", PR_2);
        List<String> emails = planted(raw, "[a-z.]+@acme-corp\\.example", 0);
        String phone = planted(raw, "\\+1 \\(415\\) 555-0142", 0).get(0);

        String forViewer = text(viewer, "get_pull_request", PR_2);
        String forMaintainer = text(maintainer, "get_pull_request", PR_2);

        for (String email : emails) {
            assertThat(forViewer).doesNotContain(email);
            assertThat(forMaintainer).contains(email);
        }
        assertThat(forViewer).doesNotContain(phone).contains("[REDACTED:email]");
        assertThat(forMaintainer).contains(phone);
        // Internal hosts are for admins only.
        assertThat(forMaintainer).doesNotContain("acme-corp.internal");
    }

    @Test
    void commit_authors_are_personal_data() {
        String raw = text(direct, "list_commits", COMMITS);
        List<String> emails = planted(raw, "[a-z.]+@acme-corp\\.example", 0);

        String forViewer = text(viewer, "list_commits", COMMITS);

        for (String email : emails) {
            assertThat(forViewer).doesNotContain(email);
        }
        assertThat(text(maintainer, "list_commits", COMMITS)).contains(emails.get(0));
    }
}
