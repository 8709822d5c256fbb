package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.SandboxCore;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a tool returns beyond what its catalogue entry declares is masked all the same: the policy's mask is every
 * class the subject may not see, not the tool's declared classes. Through the real Bitbucket MCP server (writes and
 * dangerous tools on) in front of the sandbox Bitbucket, the proxy and a real OPA with the repository's policies.
 *
 * <p>The planted values are first read from the MCP server directly, so the test proves they are there to mask.
 *
 * <p>Not on {@link io.mcpguard.proxy.testing.ProxyStack}: one proxy per role (viewer, developer, maintainer) in front
 * of the same core, none of which is the class's main one.
 */
class UndeclaredDataMaskingTest {
    private static final Map<String, Object> ONCALL =
            Map.of("workspace", "acme", "repo", "payments-api", "path", "docs/ONCALL.md");
    private static final Map<String, Object> PR_2 = Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2);
    private static final String EMAIL = "[a-z.]+@acme-corp\\.example";
    private static final String INTERNAL_HOST = "[a-z0-9.-]+\\.acme-corp\\.internal";

    private static SandboxCore stack;
    private static OpaProcess opa;
    private static final List<ProxyHarness> proxies = new ArrayList<>();
    private static McpSyncClient direct;
    private static McpSyncClient viewer;
    private static McpSyncClient developer;
    private static McpSyncClient maintainer;

    @BeforeAll
    static void start() throws Exception {
        stack = new SandboxCore(true, true);
        opa = OpaProcess.startWithRepoPolicies();
        direct = client(stack.baseUrl());
        viewer = client(proxyFor(subject("viewer@acme/*", List.of("pwd"))));
        developer = client(proxyFor(subject("developer@acme/*", List.of("pwd"))));
        // Merging is dangerous: the policy asks for a recent second factor.
        maintainer = client(proxyFor(subject("maintainer@acme/*", List.of("pwd", "otp"))));
    }

    @AfterAll
    static void stop() {
        for (McpSyncClient client : new McpSyncClient[] {direct, viewer, developer, maintainer}) {
            if (client != null) client.closeGracefully();
        }
        proxies.forEach(ProxyHarness::close);
        if (opa != null) opa.close();
        if (stack != null) stack.close();
    }

    private static String proxyFor(Subject subject) {
        ProxyHarness proxy = new ProxyHarness(stack.mcpUrl(), opa.url(), Map.of(), (ctx, request) -> subject);
        proxies.add(proxy);
        return proxy.baseUrl();
    }

    private static Subject subject(String role, List<String> amr) {
        return new Subject(role, true, "jwt", List.of(role), List.of(), null, amr, null, Instant.now(), null);
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
        StringBuilder out = new StringBuilder();
        result.content().forEach(c -> out.append(((TextContent) c).text()));
        assertThat(result.isError()).as("%s failed: %s", tool, out).isNotEqualTo(Boolean.TRUE);
        return out.toString();
    }

    /** Every match of {@code regex} in {@code text}; at least one. */
    private static List<String> planted(String text, String regex) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        assertThat(found).as("planted values for %s", regex).isNotEmpty();
        return found;
    }

    @Test
    void a_viewer_reading_a_file_gets_its_email_addresses_and_phone_numbers_masked() {
        // get_file_content's catalogue entry once declared no personal_data: a viewer read these in clear.
        String raw = text(direct, "get_file_content", ONCALL);
        List<String> emails = planted(raw, EMAIL);
        List<String> phones = planted(raw, "\\+1 \\(415\\) 555-0142|\\+44 20 7946 0958");

        String forViewer = text(viewer, "get_file_content", ONCALL);

        assertThat(forViewer).contains("[REDACTED:email]").contains("Payments on-call");
        for (String value : emails) {
            assertThat(forViewer).doesNotContain(value);
        }
        for (String value : phones) {
            assertThat(forViewer).doesNotContain(value);
        }
    }

    @Test
    void a_developer_updating_a_pull_request_gets_its_personal_data_masked_in_the_answer() {
        // update_pull_request answers with the whole pull request, description included; it declared only pr_metadata.
        String raw = text(direct, "get_pull_request", PR_2);
        List<String> emails = planted(raw, EMAIL);
        String phone = planted(raw, "\\+1 \\(415\\) 555-0142").get(0);
        List<String> hosts = planted(raw, INTERNAL_HOST);

        String answer = text(
                developer,
                "update_pull_request",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "title", "Add partial refunds"));

        assertThat(answer).contains("Add partial refunds").contains("[REDACTED:email]");
        for (String value : emails) {
            assertThat(answer).doesNotContain(value);
        }
        assertThat(answer).doesNotContain(phone);
        for (String value : hosts) {
            assertThat(answer).doesNotContain(value);
        }
    }

    @Test
    void a_maintainer_merging_a_pull_request_gets_internal_hosts_masked_in_the_answer() {
        // merge_pull_request answers with the merged pull request; it declared only pr_metadata, so nothing was
        // masked. A maintainer may see personal data, not internal hosts.
        Map<String, Object> pr3 = Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 3);
        text(
                direct,
                "update_pull_request",
                Map.of(
                        "workspace", "acme",
                        "repo", "payments-api",
                        "pr_id", 3,
                        "description",
                                "Ask jordan.lee@acme-corp.example; fixtures on ledger-01.prod.acme-corp.internal."));
        List<String> hosts = planted(text(direct, "get_pull_request", pr3), INTERNAL_HOST);

        String answer = text(
                maintainer,
                "merge_pull_request",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 3, "strategy", "merge_commit"));

        assertThat(answer).contains("MERGED").contains("jordan.lee@acme-corp.example");
        for (String value : hosts) {
            assertThat(answer).doesNotContain(value);
        }
    }
}
