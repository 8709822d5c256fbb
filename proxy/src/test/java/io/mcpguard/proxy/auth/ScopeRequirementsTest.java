package io.mcpguard.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which scopes a message needs: the base ones, its method's, its tool's; and what a step-up asks for on top. */
class ScopeRequirementsTest {
    private static final ProxyConfig.Auth SCOPED =
            ProxyConfig.parse("""
                    auth:
                      resource: https://mcp.example.com/mcp
                      required-scopes: [mcp]
                      method-scopes:
                        tools/call: [tools]
                      tool-scopes:
                        merge_pull_request: [repo:admin]
                      step-up-scope: mfa
                    """, Map.of()).auth();
    private static final ProxyConfig.Auth BASE_ONLY =
            ProxyConfig.parse("""
                    auth:
                      resource: https://mcp.example.com/mcp
                      required-scopes: [mcp]
                    """, Map.of()).auth();

    private static JsonRpcMessage call(String tool) {
        ObjectNode params = JsonNodeFactory.instance.objectNode().put("name", tool);
        return new JsonRpcMessage(
                JsonRpcMessage.Kind.REQUEST, JsonNodeFactory.instance.numberNode(1), "tools/call", params, null);
    }

    private static JsonRpcMessage method(String method) {
        return new JsonRpcMessage(
                JsonRpcMessage.Kind.REQUEST, JsonNodeFactory.instance.numberNode(1), method, null, null);
    }

    @Test
    void a_tool_call_needs_the_base_the_method_s_and_the_tool_s_scopes() {
        ScopeRequirements scopes = new ScopeRequirements(SCOPED);

        assertThat(scopes.requiredFor(call("merge_pull_request"))).containsExactly("mcp", "repo:admin", "tools");
        assertThat(scopes.requiredFor(call("get_file"))).containsExactly("mcp", "tools");
        assertThat(scopes.requiredFor(method("ping"))).containsExactly("mcp");
        assertThat(scopes.requiredFor(new JsonRpcMessage(JsonRpcMessage.Kind.RESPONSE, null, null, null, null)))
                .as("a response names no method")
                .containsExactly("mcp");
    }

    @Test
    void a_step_up_asks_for_the_message_s_scopes_and_the_step_up_scope_when_one_is_set() {
        assertThat(new ScopeRequirements(SCOPED).stepUpFor(call("merge_pull_request")))
                .containsExactly("mcp", "mfa", "repo:admin", "tools");
        assertThat(new ScopeRequirements(BASE_ONLY).stepUpFor(call("merge_pull_request")))
                .containsExactly("mcp");
    }

    @Test
    void every_scope_is_listed_as_supported_the_step_up_one_too() {
        assertThat(new ScopeRequirements(SCOPED).supported()).containsExactly("mcp", "mfa", "repo:admin", "tools");
        assertThat(new ScopeRequirements(BASE_ONLY).supported()).containsExactly("mcp");
    }
}
