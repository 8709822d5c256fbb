package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.proxy.auth.ApiKeyStore;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.testing.Issuer;
import io.mcpguard.proxy.testing.JsonRpcAnswers;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.OtelCollectorProcess;
import io.mcpguard.proxy.testing.OtlpJsonSink;
import io.mcpguard.proxy.testing.OtlpJsonSink.ExportedSpan;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.SandboxCore;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue's requirement, end to end: no secret or personal datum planted in the sandbox Bitbucket appears in any
 * exported span (name, attributes, events, links, resource), metric (data points, attributes) or log line, whatever
 * the traffic. Real parts: the sandbox, the real Bitbucket MCP server, a real OPA with the repository's policies, the
 * proxy with the audit trail on (subjects pseudonymised), and a real OpenTelemetry Collector forwarding to a sink.
 *
 * <p>The planted values are never typed here: each is extracted from what the MCP server answers directly, which
 * also proves it is there to leak. The traffic through the proxy then touches every one of them: as a viewer (who
 * gets them masked) and as a maintainer (who sees personal data), in tool results, in the arguments of refused
 * calls, as a bearer credential, as a subject id (a real OIDC issuer's token whose {@code sub} is a planted e-mail
 * address), and inside malformed bodies.
 *
 * <p>The scenario runs once per audit configuration (each with its own proxies, collector and sink): the defaults,
 * and {@code audit.record-tool-calls} on. Log lines are those of every logger but the parts that are other processes
 * in production ({@link #NOT_THE_PROXY}).
 *
 * <p>Not on {@link io.mcpguard.proxy.testing.ProxyStack}: each run builds three proxies (viewer, maintainer, one with
 * authentication) per audit configuration, with their own collector and sink, and closes them before its checks.
 */
class AuditLeakTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Duration EXPORTED_WITHIN = Duration.ofSeconds(30);
    private static final String HASH_KEY = "audit-leak-test-key-0123456789abcdef0123456789";

    private static final Map<String, Object> CONFIG =
            Map.of("workspace", "acme", "repo", "payments-api", "path", "config/application-prod.yml");
    private static final Map<String, Object> ONCALL =
            Map.of("workspace", "acme", "repo", "payments-api", "path", "docs/ONCALL.md");
    private static final Map<String, Object> FAILOVER =
            Map.of("workspace", "acme", "repo", "infra-config", "path", "runbooks/pg-failover.md");
    private static final Map<String, Object> PR_2 = Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2);
    private static final Map<String, Object> PR_4 = Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 4);
    private static final Map<String, Object> COMMITS = Map.of("workspace", "acme", "repo", "payments-api");

    /** Loggers of the parts that are other processes in production (the MCP server, Bitbucket), not the proxy. */
    private static final List<String> NOT_THE_PROXY =
            List.of("io.mcpguard.core", "io.mcpguard.sandbox", "io.modelcontextprotocol", "org.eclipse.jetty");

    private static final int MALFORMED_BODIES = 6;
    private static final int PLANTED_CREDENTIALS = 3;

    @TempDir
    static Path dir;

    private static SandboxCore stack;
    private static OpaProcess opa;
    private static Issuer issuer;
    private static McpSyncClient direct;
    private static String coreUrl;
    private static Path hashKey;
    /** Every planted value, with the reads through the MCP server that answered it. */
    private static final Map<String, String> planted = new LinkedHashMap<>();
    /** The planted config file at the commit that added it, a commit that carries the secrets. */
    private static Map<String, Object> configAtItsCommit;

    private static String awsKeyId;
    private static String awsSecret;
    private static String dbPassword;
    private static String atlassianToken;

    @BeforeAll
    static void start() throws Exception {
        stack = new SandboxCore();
        coreUrl = stack.mcpUrl();
        opa = OpaProcess.startWithRepoPolicies();
        issuer = new Issuer();
        hashKey = dir.resolve("subject-hash.key");
        Files.writeString(hashKey, HASH_KEY + "\n");
        direct = McpClient.sync(HttpClientStreamableHttpTransport.builder(stack.baseUrl())
                        .endpoint(HttpMcpServer.ENDPOINT)
                        .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        direct.initialize();
        collectPlantedValues();
    }

    @AfterAll
    static void stop() {
        if (direct != null) direct.closeGracefully();
        if (opa != null) opa.close();
        if (issuer != null) issuer.close();
        if (stack != null) stack.close();
    }

    // ---- the planted values, as the MCP server answers them unmasked ----

    private static void collectPlantedValues() throws Exception {
        String config = directText("get_file_content", CONFIG);
        plant(config, "config", "AKIA[A-Z0-9]{16}", 0);
        plant(config, "config", "secret-access-key: (\\S+)", 1);
        plant(config, "config", "postgresql://[^:/\\s]+:([^@\\s]+)@", 1);
        plant(config, "config", "postgresql://([^:/\\s]+:[^@\\s]+@)", 1);
        plant(config, "config", "[a-z0-9.-]+\\.acme-corp\\.internal", 0);
        awsKeyId = plantedBy("config", "AKIA[A-Z0-9]{16}");
        awsSecret = plantedBy("config", "secret-access-key: (\\S+)");
        dbPassword = plantedBy("config", "postgresql://[^:/\\s]+:([^@\\s]+)@");
        plant(config, "config", "[a-z.-]+@acme-corp\\.example", 0);
        Matcher pem = Pattern.compile("-----BEGIN RSA PRIVATE KEY-----\\s+([\\s\\S]+?)\\s*-----END")
                .matcher(config);
        assertThat(pem.find()).as("the config plants a PEM private key").isTrue();
        String pemBody = pem.group(1).replaceAll("\\s+", "");
        planted.put(pemBody.substring(0, 40), "config: the PEM body's first 40 characters");
        for (String line : pem.group(1).split("\\s+")) {
            planted.put(line, "config: a line of the PEM body");
        }

        String comments = directText("list_pull_request_comments", PR_2);
        plant(comments, "PR #2 comments", "ATATT3[A-Za-z0-9_=-]{40,}", 0);
        atlassianToken = plantedBy("PR #2 comments", "ATATT3[A-Za-z0-9_=-]{40,}");

        String pr = directText("get_pull_request", PR_2);
        plant(pr, "PR #2", "[a-z.-]+@acme-corp\\.example", 0);
        plantPhones(pr, "PR #2");
        plant(pr, "PR #2", "[a-z0-9.-]+\\.acme-corp\\.internal", 0);

        String commits = directText("list_commits", COMMITS);
        plant(commits, "commits", "[a-z.-]+@acme-corp\\.example", 0);
        Matcher added = Pattern.compile("([0-9a-f]{40})[\\s\\S]{0,400}?Add production config")
                .matcher(commits);
        assertThat(added.find())
                .as("list_commits names the commit adding the production config")
                .isTrue();
        configAtItsCommit = new HashMap<>(CONFIG);
        configAtItsCommit.put("ref", added.group(1));
        String configAtCommit = directText("get_file_content", configAtItsCommit);
        plant(configAtCommit, "config at its commit", "secret-access-key: (\\S+)", 1);

        String oncall = directText("get_file_content", ONCALL);
        plant(oncall, "ONCALL.md", "[a-z.-]+@acme-corp\\.example", 0);
        plantPhones(oncall, "ONCALL.md");
        plant(oncall, "ONCALL.md", "[a-z0-9.-]+\\.acme-corp\\.internal", 0);

        String failover = directText("get_file_content", FAILOVER);
        plant(failover, "pg-failover.md", "postgresql://[^:/\\s]+:([^@\\s]+)@", 1);
        plantPhones(failover, "pg-failover.md");

        String declined = directText("get_pull_request_diff", PR_4);
        plant(declined, "PR #4 diff", "password: (\\S+)", 1);

        // Long values are also searched for by fragment: 20-character windows, every 10 characters.
        for (Map.Entry<String, String> value : List.copyOf(planted.entrySet())) {
            String text = value.getKey();
            for (int i = 0; text.length() > 30 && i + 20 <= text.length(); i += 10) {
                planted.putIfAbsent(text.substring(i, i + 20), value.getValue() + " (fragment)");
            }
        }
        assertThat(planted).hasSizeGreaterThan(30);
    }

    private static void plant(String text, String where, String regex, int group) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int found = 0;
        while (m.find()) {
            planted.putIfAbsent(m.group(group), where + " /" + regex + "/");
            found++;
        }
        assertThat(found).as("%s plants values for /%s/", where, regex).isPositive();
    }

    /** Phone numbers as written, and as their bare digits. */
    private static void plantPhones(String text, String where) {
        Matcher m = Pattern.compile("\\+\\d{1,3}(?: ?\\(?\\d+\\)?[ -]?)+\\d").matcher(text);
        int found = 0;
        while (m.find()) {
            planted.putIfAbsent(m.group(), where + ": a phone number");
            planted.putIfAbsent(m.group().replaceAll("\\D", ""), where + ": a phone number's digits");
            found++;
        }
        assertThat(found).as("%s plants phone numbers", where).isPositive();
    }

    private static String directText(String tool, Map<String, Object> arguments) {
        CallToolResult result = direct.callTool(
                CallToolRequest.builder(tool).arguments(arguments).build());
        StringBuilder out = new StringBuilder();
        result.content().forEach(c -> out.append(((TextContent) c).text()));
        assertThat(result.isError())
                .as("%s %s failed: %s", tool, arguments, out)
                .isNotEqualTo(Boolean.TRUE);
        return out.toString();
    }

    /** The first value {@code regex} extracted from {@code where}'s answer. */
    private static String plantedBy(String where, String regex) {
        String origin = where + " /" + regex + "/";
        return planted.entrySet().stream()
                .filter(e -> e.getValue().equals(origin))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow();
    }

    // ---- the scenario, once per audit configuration ----

    @Test
    void with_the_default_audit_settings_nothing_planted_is_exported_or_logged() throws Exception {
        runScenario(Map.of(), false);
    }

    @Test
    void with_tool_calls_recorded_nothing_planted_is_exported_or_logged_either() throws Exception {
        runScenario(Map.of("audit.record-tool-calls", "true"), false);
    }

    /**
     * What the client names (a tool, a request id, a resource URI) can be a secret pasted in the wrong place: it
     * must not reach the span name, {@code gen_ai.tool.name}, {@code jsonrpc.request.id}, {@code mcp.resource.uri},
     * the policy's reasons ({@code unknown tool "…"}), the {@code mcp.server.operation.duration} metric's attributes
     * or the proxy's "denied by policy" log line ({@code mask.ClientText} cleans them all).
     */
    @Test
    void secrets_sent_as_a_tool_name_a_request_id_or_a_resource_uri_are_not_exported_or_logged() throws Exception {
        runScenario(Map.of(), true);
    }

    private void runScenario(Map<String, String> audit, boolean sendSecretsAsNames) throws Exception {
        boolean recordsToolCalls = "true".equals(audit.get("audit.record-tool-calls"));
        try (OtlpJsonSink sink = new OtlpJsonSink();
                OtelCollectorProcess collector = new OtelCollectorProcess(sink);
                LogCapture logs = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
            collector.start();
            Map<String, String> settings = new HashMap<>(audit);
            settings.put("audit.enabled", "true");
            settings.put("audit.otlp-endpoint", collector.httpEndpoint());
            settings.put("audit.otlp-protocol", "http/protobuf");
            settings.put("audit.subject-hash-key-file", hashKey.toString());
            Traffic traffic = new Traffic();
            ProxyHarness viewerProxy = null;
            ProxyHarness maintainerProxy = null;
            ProxyHarness authProxy = null;
            // Export quickly (the standard OTEL_* settings, in their system-property form).
            System.setProperty("otel.bsp.schedule.delay", "100");
            System.setProperty("otel.metric.export.interval", "300");
            try {
                viewerProxy = new ProxyHarness(coreUrl, opa.url(), settings, subject("viewer@acme/*"));
                maintainerProxy = new ProxyHarness(coreUrl, opa.url(), settings, subject("maintainer@acme/*"));
                authProxy = withAuthentication(settings);
                System.clearProperty("otel.bsp.schedule.delay");
                System.clearProperty("otel.metric.export.interval");

                readEverythingPlanted(traffic, new Client(viewerProxy, "viewer"));
                readEverythingPlanted(traffic, new Client(maintainerProxy, "maintainer"));
                refuseCallsCarryingSecrets(traffic, viewerProxy, maintainerProxy);
                sendPlantedTokensAsCredentials(authProxy);
                sendMalformedBodiesCarryingSecrets(viewerProxy);
                if (sendSecretsAsNames) {
                    sendSecretsAsNames(traffic, viewerProxy);
                }
            } finally {
                System.clearProperty("otel.bsp.schedule.delay");
                System.clearProperty("otel.metric.export.interval");
                // A clean shutdown exports what is still buffered: the last spans and a final metrics export.
                for (ProxyHarness proxy : new ProxyHarness[] {viewerProxy, maintainerProxy, authProxy}) {
                    if (proxy != null) proxy.close();
                }
            }

            List<ExportedSpan> spans = awaitEverySpan(sink, traffic);
            awaitMetrics(sink);
            if (recordsToolCalls) {
                assertToolCallsWereRecorded(spans, traffic);
            }
            // The refusals before any message was decoded were logged too: the search below covers those lines.
            assertThat(logs.lines())
                    .filteredOn(l -> l.text().contains("rejected malformed message"))
                    .hasSize(MALFORMED_BODIES);
            assertThat(logs.lines())
                    .filteredOn(l -> l.text().contains("event.name=security.authentication_failed"))
                    .hasSize(PLANTED_CREDENTIALS);
            List<String> leaks = new ArrayList<>();
            leaks.addAll(leaksInExports(sink));
            leaks.addAll(leaksInLogs(logs.lines()));
            assertThat(leaks)
                    .as(
                            "planted values found in the audit trail (%d spans exported, %d log lines):%n%s",
                            spans.size(), logs.lines().size(), String.join("\n", leaks))
                    .isEmpty();
        }
    }

    private static SubjectResolver subject(String role) {
        return (ctx, request) ->
                new Subject(role, true, "jwt", List.of(role), List.of(), null, List.of("pwd"), null, null, null);
    }

    /**
     * Authentication on (an OIDC issuer and API keys; the planted tokens are never valid ones), with the same audit
     * trail.
     */
    private static ProxyHarness withAuthentication(Map<String, String> audit) throws Exception {
        String[] key = ApiKeyStore.newKey("leak-test");
        Path keys = Files.createTempFile(dir, "api-keys", ".yaml");
        Files.writeString(keys, """
                keys:
                  - id: leak-test
                    owner: svc-leak
                    sha256: %s
                    roles: [viewer]
                    scopes: [mcp]
                    created: 2026-01-01T00:00:00Z
                """.formatted(key[1]));
        Map<String, String> settings = new HashMap<>(audit);
        settings.put("auth.mode", "required");
        settings.put("auth.resource", "https://mcp.example.test/mcp");
        settings.put("auth.api-keys.file", keys.toString());
        settings.put("auth.issuer", issuer.url());
        settings.put("auth.required-scopes", "mcp");
        return new ProxyHarness(coreUrl, opa.url(), settings, """
                auth:
                  tool-scopes:
                    list_commits: [repo:history]
                """, null);
    }

    /** Every tool call that reaches a planted value: the config (main and its commit), PRs, comments, commits. */
    private void readEverythingPlanted(Traffic traffic, Client client) throws Exception {
        client.open(traffic);
        for (Map<String, Object> file : List.of(CONFIG, configAtItsCommit, ONCALL, FAILOVER)) {
            client.call(traffic, "get_file_content", file, true);
        }
        client.call(traffic, "get_pull_request", PR_2, true);
        client.call(traffic, "list_pull_request_comments", PR_2, true);
        client.call(traffic, "get_pull_request_diff", PR_2, true);
        client.call(traffic, "get_pull_request_diff", PR_4, true);
        client.call(traffic, "list_commits", COMMITS, true);
        client.call(
                traffic,
                "search_code",
                Map.of("workspace", "acme", "repo", "payments-api", "query", "secret-access-key"),
                true);
    }

    /** Refused calls whose arguments are planted secrets: the policy's reasons must not quote them. */
    private void refuseCallsCarryingSecrets(Traffic traffic, ProxyHarness viewerProxy, ProxyHarness maintainerProxy)
            throws Exception {
        Client viewer = new Client(viewerProxy, "viewer-refused");
        viewer.open(traffic);
        // RBAC: a viewer may not merge.
        viewer.call(
                traffic,
                "merge_pull_request",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "message", awsSecret),
                false);
        // Not slugs: the target check refuses (the reason names the tool, not the arguments).
        viewer.call(
                traffic,
                "get_file_content",
                Map.of("workspace", awsSecret, "repo", atlassianToken, "path", "x"),
                false);
        Client maintainer = new Client(maintainerProxy, "maintainer-refused");
        maintainer.open(traffic);
        // Request-side DLP: a write carrying a secret is refused.
        maintainer.call(
                traffic,
                "add_pull_request_comment",
                Map.of("workspace", "acme", "repo", "payments-api", "pr_id", 2, "text", "token " + atlassianToken),
                false);
    }

    /** Planted secrets where the client names things: the request id, the tool, the resource. */
    private void sendSecretsAsNames(Traffic traffic, ProxyHarness proxy) throws Exception {
        Client client = new Client(proxy, "names");
        client.open(traffic);
        for (String body : List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":\"" + awsKeyId + "\",\"method\":\"tools/call\",\"params\":{\"name\":\""
                        + atlassianToken + "\",\"arguments\":{}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"resources/read\",\"params\":{\"uri\":\"file:///"
                        + dbPassword + "\"}}")) {
            String trace = traceId();
            post(proxy, null, client.session, traceparent(trace), body);
            traffic.traces.put(trace, false);
        }
    }

    /**
     * Planted tokens as the bearer credential, refused before any body is read; and a valid token for a user whose
     * subject id is a planted e-mail address (an issuer may well use the address as {@code sub}), refused for a
     * missing scope (every request's, and a tool's) and for a session that is not hers: the trail must show her
     * pseudonym only.
     */
    private void sendPlantedTokensAsCredentials(ProxyHarness authProxy) throws Exception {
        List<String> tokens = List.of(atlassianToken, awsSecret, "mcpg_" + awsKeyId + "_" + awsSecret);
        assertThat(tokens).hasSize(PLANTED_CREDENTIALS);
        for (String token : tokens) {
            HttpResponse<String> answer = post(authProxy, "Bearer " + token, null, null, initialize());
            assertThat(answer.statusCode())
                    .as("a planted token is no credential")
                    .isEqualTo(401);
            assertThat(answer.body() + answer.headers().map()).doesNotContain(token);
        }
        String email = plantedBy("PR #2", "[a-z.-]+@acme-corp\\.example");
        String withoutScope = issuer.token(email, "https://mcp.example.test/mcp", Map.of("scope", "openid"));
        assertThat(post(authProxy, "Bearer " + withoutScope, null, null, initialize())
                        .statusCode())
                .isEqualTo(403);
        String valid = issuer.token(email, "https://mcp.example.test/mcp", Map.of("scope", "mcp"));
        assertThat(post(authProxy, "Bearer " + valid, "not-her-session", null, initialize())
                        .statusCode())
                .isEqualTo(404);
        HttpResponse<String> initialized = post(authProxy, "Bearer " + valid, null, null, initialize());
        assertThat(initialized.statusCode()).isEqualTo(200);
        String session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
        String listCommits = JSON.writeValueAsString(Map.of(
                "jsonrpc",
                "2.0",
                "id",
                1,
                "method",
                "tools/call",
                "params",
                Map.of("name", "list_commits", "arguments", COMMITS)));
        assertThat(post(authProxy, "Bearer " + valid, session, null, listCommits)
                        .statusCode())
                .as("list_commits needs the repo:history scope")
                .isEqualTo(403);
    }

    /** Bodies the decoder refuses, with planted secrets as values, member names and duplicate keys. */
    private void sendMalformedBodiesCarryingSecrets(ProxyHarness proxy) throws Exception {
        List<String> bodies = List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"x\",\"arguments\":"
                        + "{\"k\":" + atlassianToken + "}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"" + awsKeyId + "\":1,\""
                        + awsKeyId + "\":2}}",
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"" + awsSecret + "\":\"x\",\"method\":\"ping\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"get_file_content\","
                        + "\"arguments\":\"" + dbPassword + "\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"arguments\":{\"password\":\""
                        + dbPassword + "\"}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"} " + atlassianToken);
        assertThat(bodies).hasSize(MALFORMED_BODIES);
        for (String body : bodies) {
            HttpResponse<String> answer = post(proxy, null, null, null, body);
            assertThat(answer.statusCode()).as(body).isBetween(200, 499);
            assertThat(answer.body()).as("the error answered for %s", body).contains("\"error\"");
        }
    }

    // ---- waiting for the collector ----

    private static List<ExportedSpan> awaitEverySpan(OtlpJsonSink sink, Traffic traffic) {
        for (Map.Entry<String, Boolean> call : traffic.traces.entrySet()) {
            String trace = call.getKey();
            sink.await(s -> s.traceId().equals(trace) && s.kind() == ExportedSpan.SERVER, 1, EXPORTED_WITHIN);
            if (call.getValue()) {
                sink.await(s -> s.traceId().equals(trace) && s.kind() == ExportedSpan.CLIENT, 1, EXPORTED_WITHIN);
            }
        }
        return sink.spans();
    }

    private static void awaitMetrics(OtlpJsonSink sink) throws InterruptedException {
        long deadline = System.nanoTime() + EXPORTED_WITHIN.toNanos();
        while (System.nanoTime() < deadline
                && (sink.metricPoints("mcp.server.operation.duration").stream()
                                .noneMatch(p -> "deny".equals(p.get("mcp.policy.outcome")))
                        || sink.metricPoints("mcp.policy.decision.duration").isEmpty())) {
            Thread.sleep(100);
        }
        assertThat(sink.metricPoints("mcp.server.operation.duration"))
                .as("a metrics export with the refused calls")
                .anySatisfy(p -> assertThat(p).containsEntry("mcp.policy.outcome", "deny"))
                .anySatisfy(p -> assertThat(p).containsEntry("gen_ai.tool.name", "get_file_content"));
    }

    /** With recording on, the result of every allowed tools/call is on its SERVER span: recording happened. */
    private static void assertToolCallsWereRecorded(List<ExportedSpan> spans, Traffic traffic) {
        List<ExportedSpan> allowedCalls = spans.stream()
                .filter(s -> s.kind() == ExportedSpan.SERVER)
                .filter(s -> Boolean.TRUE.equals(traffic.traces.get(s.traceId())))
                .filter(s -> "tools/call".equals(s.attribute("mcp.method.name")))
                .toList();
        assertThat(allowedCalls).hasSize(traffic.allowedToolCalls);
        for (ExportedSpan span : allowedCalls) {
            assertThat(span.attributes())
                    .as("span %s", span.name())
                    .containsKeys("gen_ai.tool.call.arguments", "gen_ai.tool.call.result");
        }
    }

    // ---- where a planted value appeared ----

    /** Every string in every export request (keys and values), each with the path that leads to it. */
    private static List<String> leaksInExports(OtlpJsonSink sink) throws Exception {
        List<String> leaks = new ArrayList<>();
        String everything = sink.everything();
        for (String body : sink.exportRequests()) {
            walk(JSON.readTree(body), "", leaks);
        }
        // A second net: the raw text, in case a value hides in something the walk does not see as a string.
        for (Map.Entry<String, String> value : planted.entrySet()) {
            if (everything.contains(value.getKey()) && leaks.stream().noneMatch(l -> l.contains(value.getKey()))) {
                leaks.add("raw export text: " + value.getKey() + " (" + value.getValue() + ")");
            }
        }
        return leaks;
    }

    private static void walk(JsonNode node, String path, List<String> leaks) {
        if (node.isObject()) {
            // Name each attribute by its key and each span by its name, so the path says where.
            String label = node.has("key")
                    ? "[" + node.get("key").asText() + "]"
                    : node.has("name") ? "(" + node.get("name").asText() + ")" : "";
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                String at = path + label + "." + field.getKey();
                check(field.getKey(), at + " (a key)", leaks);
                walk(field.getValue(), at, leaks);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "[" + i + "]", leaks);
            }
        } else if (node.isTextual()) {
            check(node.asText(), path, leaks);
        }
    }

    private static List<String> leaksInLogs(List<LogCapture.Line> lines) {
        List<String> leaks = new ArrayList<>();
        for (LogCapture.Line line : lines) {
            if (NOT_THE_PROXY.stream().anyMatch(line.logger()::startsWith)) continue;
            check(line.text(), "log line " + line.level() + " " + line.logger() + ": " + line.text(), leaks);
        }
        return leaks;
    }

    private static void check(String text, String where, List<String> leaks) {
        for (Map.Entry<String, String> value : planted.entrySet()) {
            if (text.contains(value.getKey())) {
                leaks.add(where + "\n    holds " + value.getKey() + " (" + value.getValue() + ")");
            }
        }
    }

    // ---- a raw client, so every message names its own trace ----

    /** The traces sent, each with whether its message was allowed (so a CLIENT span is expected too). */
    private static final class Traffic {
        final Map<String, Boolean> traces = new LinkedHashMap<>();
        int allowedToolCalls;
        int nextId = 1;
    }

    private static final class Client {
        private final ProxyHarness proxy;
        private final String name;
        private String session;

        Client(ProxyHarness proxy, String name) {
            this.proxy = proxy;
            this.name = name;
        }

        void open(Traffic traffic) throws Exception {
            String trace = traceId();
            HttpResponse<String> initialized = post(proxy, null, null, traceparent(trace), initialize());
            assertThat(initialized.statusCode()).as("%s initialize", name).isEqualTo(200);
            traffic.traces.put(trace, true);
            session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
            String notified = traceId();
            post(
                    proxy,
                    null,
                    session,
                    traceparent(notified),
                    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            traffic.traces.put(notified, true);
        }

        void call(Traffic traffic, String tool, Map<String, Object> arguments, boolean allowed) throws Exception {
            String trace = traceId();
            int id = traffic.nextId++;
            String body = JSON.writeValueAsString(Map.of(
                    "jsonrpc",
                    "2.0",
                    "id",
                    id,
                    "method",
                    "tools/call",
                    "params",
                    Map.of("name", tool, "arguments", arguments)));
            JsonNode answer = answer(post(proxy, null, session, traceparent(trace), body));
            if (allowed) {
                assertThat(answer.has("result"))
                        .as("%s %s: %s", name, tool, answer)
                        .isTrue();
                assertThat(answer.path("result").path("isError").asBoolean())
                        .as("%s %s: %s", name, tool, answer)
                        .isFalse();
                traffic.allowedToolCalls++;
            } else {
                assertThat(answer.path("error").path("code").asInt())
                        .as("%s %s is refused: %s", name, tool, answer)
                        .isEqualTo(-32001);
            }
            traffic.traces.put(trace, allowed);
        }
    }

    private static String initialize() {
        return "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"audit-leak-test\",\"version\":\"1\"}}}";
    }

    private static HttpResponse<String> post(
            ProxyHarness proxy, String authorization, String session, String traceparent, String json)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-06-18")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) request.header("Authorization", authorization);
        if (session != null) request.header("Mcp-Session-Id", session);
        if (traceparent != null) request.header("traceparent", traceparent);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode answer(HttpResponse<String> response) throws Exception {
        return JsonRpcAnswers.message(response);
    }

    private static String traceId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static String traceparent(String traceId) {
        return "00-" + traceId + "-" + traceId().substring(0, 16) + "-01";
    }
}
