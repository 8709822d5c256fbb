package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.auth.ApiKeyStore;
import io.mcpguard.proxy.testing.EverythingServer;
import io.mcpguard.proxy.testing.InspectorCli;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.RawMcp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Prompts and resources per role, end to end with real parts: the MCP reference server {@code server-everything}
 * behind the proxy, the real OPA deciding with the example allowances ({@code
 * policies/examples/data/exposure-allowances.jsonc}), the proxy's own identity stage (API keys), and the MCP
 * Inspector CLI as the client. Each role's lists show only what the policy allows it, and naming a hidden item is
 * refused with the proxy's denial, never passed to the server.
 */
class PromptAndResourceListsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EverythingServer EVERYTHING = new EverythingServer();
    private static final Map<String, String> KEYS = new java.util.HashMap<>();

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.builder()
            .upstreamUrl(EVERYTHING::url)
            .policies(ProxyStack.Policies.withExampleExposure())
            .settings(() -> Map.of("auth.mode", "required", "auth.api-keys.file", keysFile()))
            .build();

    /** What one CLI run printed and how it ended. */
    record Run(int exitCode, String stdout, String stderr) {
        JsonNode result() throws IOException {
            assertThat(exitCode).as(stderr).isZero();
            return JSON.readTree(stdout).path("result");
        }
    }

    @AfterAll
    static void stopServer() {
        EVERYTHING.close();
    }

    /** An API key per role, each owned by its own service account, for the proxy's identity stage. */
    private static String keysFile() {
        StringBuilder yaml = new StringBuilder("keys:\n");
        for (String role : List.of("viewer", "developer", "maintainer")) {
            String[] made = ApiKeyStore.newKey(role);
            KEYS.put(role, made[0]);
            yaml.append("""
                      - id: %s
                        owner: svc-%s
                        roles: ["%s"]
                        sha256: "%s"
                        created: 2026-11-01T00:00:00Z
                    """.formatted(role, role, role, made[1]));
        }
        try {
            Path file = Files.createTempFile("api-keys", ".yaml");
            Files.writeString(file, yaml);
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void the_server_itself_offers_more_than_any_of_these_roles_may_see() throws Exception {
        assertThat(names(direct("--method", "prompts/list").result(), "prompts", "name"))
                .containsExactlyInAnyOrder("simple-prompt", "args-prompt", "completable-prompt", "resource-prompt");
        assertThat(names(direct("--method", "resources/list").result(), "resources", "uri"))
                .hasSize(7);
        assertThat(names(direct("--method", "resources/templates/list").result(), "resourceTemplates", "uriTemplate"))
                .containsExactlyInAnyOrder(
                        "demo://resource/dynamic/text/{resourceId}", "demo://resource/dynamic/blob/{resourceId}");
    }

    @Test
    void each_role_lists_only_the_prompts_its_policy_allows() throws Exception {
        assertThat(names(as("viewer", "--method", "prompts/list").result(), "prompts", "name"))
                .containsExactly("simple-prompt");
        assertThat(names(as("developer", "--method", "prompts/list").result(), "prompts", "name"))
                .containsExactlyInAnyOrder("simple-prompt", "args-prompt");
        JsonNode maintainer = as("maintainer", "--method", "prompts/list").result();
        assertThat(names(maintainer, "prompts", "name"))
                .containsExactlyInAnyOrder("simple-prompt", "args-prompt", "completable-prompt", "resource-prompt");
        // What is kept is kept whole: the server's arguments and titles pass untouched.
        assertThat(maintainer.at("/prompts").findValuesAsText("title")).contains("Arguments Prompt");
    }

    @Test
    void each_role_lists_only_the_resources_and_templates_its_policy_allows() throws Exception {
        assertThat(names(as("viewer", "--method", "resources/list").result(), "resources", "uri"))
                .containsExactlyInAnyOrder(
                        "demo://resource/static/document/architecture.md",
                        "demo://resource/static/document/features.md");
        assertThat(names(as("developer", "--method", "resources/list").result(), "resources", "uri"))
                .hasSize(7)
                .allMatch(uri -> uri.startsWith("demo://resource/static/document/"));
        assertThat(names(as("viewer", "--method", "resources/templates/list").result(), "resourceTemplates", "uri"))
                .isEmpty();
        assertThat(names(
                        as("maintainer", "--method", "resources/templates/list").result(),
                        "resourceTemplates",
                        "uriTemplate"))
                .containsExactly("demo://resource/dynamic/text/{resourceId}");
    }

    @Test
    void an_allowed_prompt_and_resource_are_served() throws Exception {
        JsonNode prompt = as("viewer", "--method", "prompts/get", "--prompt-name", "simple-prompt")
                .result();
        assertThat(prompt.path("messages").size()).isPositive();

        JsonNode resource = as(
                        "viewer", "--method", "resources/read", "--uri", "demo://resource/static/document/features.md")
                .result();
        assertThat(resource.at("/contents/0/uri").asText()).isEqualTo("demo://resource/static/document/features.md");
        assertThat(resource.at("/contents/0/text").asText()).isNotBlank();

        JsonNode templated = as("maintainer", "--method", "resources/read", "--uri", "demo://resource/dynamic/text/3")
                .result();
        assertThat(templated.at("/contents/0/uri").asText()).isEqualTo("demo://resource/dynamic/text/3");
    }

    @Test
    void a_hidden_prompt_or_resource_named_anyway_is_denied_by_the_policy() throws Exception {
        Run prompt = as("viewer", "--method", "prompts/get", "--prompt-name", "args-prompt", "--prompt-args", "city=x");
        assertDenied(prompt, "your roles do not allow prompt \\\"args-prompt\\\"");

        Run resource =
                as("viewer", "--method", "resources/read", "--uri", "demo://resource/static/document/startup.md");
        assertDenied(resource, "your roles do not allow resource");

        Run blob = as("maintainer", "--method", "resources/read", "--uri", "demo://resource/dynamic/blob/1");
        assertDenied(blob, "your roles do not allow resource");

        Run climbing = as(
                "developer",
                "--method",
                "resources/read",
                "--uri",
                "demo://resource/static/document/../../dynamic/text/1");
        assertDenied(climbing, "your roles do not allow resource");
    }

    @Test
    void on_the_wire_the_denial_is_the_proxys_policy_error() throws Exception {
        String auth = "Bearer " + KEYS.get("viewer");
        HttpResponse<String> init = RawMcp.send(RawMcp.request(stack.proxy().mcpUrl())
                .header("Authorization", auth)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"%s",\
                        "capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""".formatted(RawMcp.PROTOCOL_VERSION))));
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        HttpResponse<String> denied = RawMcp.send(RawMcp.request(stack.proxy().mcpUrl())
                .header("Authorization", auth)
                .header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", RawMcp.PROTOCOL_VERSION)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\","
                        + "\"params\":{\"uri\":\"demo://resource/static/document/startup.md\"}}")));

        JsonNode error = JSON.readTree(denied.body()).path("error");
        assertThat(error.path("code").asInt()).as(denied.body()).isEqualTo(-32001);
        assertThat(error.path("message").asText())
                .contains("your roles do not allow resource \"demo://resource/static/document/startup.md\"");
    }

    private static void assertDenied(Run run, String reason) {
        assertThat(run.exitCode()).as(run.stdout()).isNotZero();
        // The CLI prints the JSON-RPC error's message, not its code (the wire test below checks -32001).
        assertThat(run.stderr()).contains("Denied by policy").contains(reason);
    }

    private static List<String> names(JsonNode result, String member, String key) {
        List<String> names = new ArrayList<>();
        result.path(member).forEach(item -> names.add(item.path(key).asText()));
        return names;
    }

    private static Run as(String role, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("--header", "Authorization: Bearer " + KEYS.get(role)));
        command.addAll(List.of(args));
        return inspector(stack.proxy().mcpUrl(), command);
    }

    private static Run direct(String... args) throws IOException, InterruptedException {
        return inspector(EVERYTHING.url(), List.of(args));
    }

    private static Run inspector(String url, List<String> args) throws IOException, InterruptedException {
        InspectorCli.Run run = InspectorCli.run(url, args);
        return new Run(run.exitCode(), run.stdout(), run.stderr());
    }
}
