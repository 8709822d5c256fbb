package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.testing.RealOpaEngine;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The repository's policies, decided by a real OPA through {@link OpaPolicyEngine}, for subjects as the identity
 * stage will produce them: each role against each tool class, workspaces taken from the arguments, and MFA step-up.
 */
class PolicyDecisionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TransportFacts FACTS = new TransportFacts("127.0.0.1", false, "POST", "/mcp", null, null, 1);

    @RegisterExtension
    static final RealOpaEngine opa = new RealOpaEngine();

    static Subject subject(List<String> roles, List<String> amr, Instant authTime) {
        return new Subject("u-1", true, "jwt", roles, List.of(), null, amr, null, authTime, "ide");
    }

    static JsonRpcMessage call(String tool, String workspace, String repo) throws Exception {
        String json = """
                {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s",\
                "arguments":{"workspace":"%s","repo":"%s"}}}""".formatted(tool, workspace, repo);
        return new JsonRpcDecoder(64, 1 << 20, 32)
                .decode(json.getBytes(StandardCharsets.UTF_8))
                .messages()
                .get(0);
    }

    private static Decision decide(Subject subject, JsonRpcMessage message) throws Exception {
        return opa.engine().decide(new PolicyInput(subject, message, FACTS)).get(10, TimeUnit.SECONDS);
    }

    /** Every subject here proved a second factor a minute ago, so only roles decide. */
    @ParameterizedTest(name = "{0} calling {1} ({2}): {3}")
    @CsvSource({
        "viewer,          get_repository,      read,      true",
        "viewer,          create_pull_request, write,     false",
        "viewer,          merge_pull_request,  dangerous, false",
        "developer,       get_repository,      read,      true",
        "developer,       create_pull_request, write,     true",
        "developer,       merge_pull_request,  dangerous, false",
        "maintainer,      get_repository,      read,      true",
        "maintainer,      create_pull_request, write,     true",
        "maintainer,      merge_pull_request,  dangerous, true",
        "admin,           get_repository,      read,      true",
        "admin,           create_pull_request, write,     true",
        "admin,           delete_branch,       dangerous, true",
        "service-account, list_commits,        read,      true",
        "service-account, set_review_status,   write,     true",
        "service-account, decline_pull_request, dangerous, false",
    })
    void each_role_may_call_the_tool_classes_it_was_given(String role, String tool, String toolClass, boolean allowed)
            throws Exception {
        Subject subject = subject(
                List.of(role + "@acme/*"), List.of("pwd", "otp"), Instant.now().minusSeconds(60));

        Decision decision = decide(subject, call(tool, "acme", "payments-api"));

        assertThat(decision.allow()).as(String.join("; ", decision.reasons())).isEqualTo(allowed);
        if (allowed) {
            assertThat(decision.quota()).isNotNull();
            assertThat(decision.quota().key()).endsWith("\"" + toolClass + "\"]");
        } else {
            assertThat(decision.reasons())
                    .containsExactly("your roles do not allow " + toolClass + " tool \"" + tool + "\" here");
        }
    }

    @Test
    void a_developer_of_acme_may_not_read_globex_whatever_the_arguments_say() throws Exception {
        Subject developer = subject(List.of("developer@acme/*"), List.of("pwd"), null);

        assertThat(decide(developer, call("get_repository", "acme", "api")).allow())
                .isTrue();
        assertThat(decide(developer, call("get_repository", "globex", "api")).allow())
                .isFalse();
        assertThat(decide(developer, call("get_repository", "GLOBEX", "api")).allow())
                .isFalse();
        assertThat(decide(developer, call("get_repository", "*", "api")).allow())
                .isFalse();
    }

    @Test
    void a_dangerous_tool_asks_for_step_up_then_passes_with_a_recent_second_factor() throws Exception {
        Subject passwordOnly = subject(
                List.of("maintainer@acme/*"), List.of("pwd"), Instant.now().minusSeconds(30));
        Subject stale = subject(
                List.of("maintainer@acme/*"),
                List.of("pwd", "otp"),
                Instant.now().minusSeconds(3600));
        Subject fresh = subject(
                List.of("maintainer@acme/*"),
                List.of("pwd", "otp"),
                Instant.now().minusSeconds(30));
        JsonRpcMessage merge = call("merge_pull_request", "acme", "payments-api");

        Decision denied = decide(passwordOnly, merge);
        assertThat(denied.allow()).isFalse();
        assertThat(denied.stepUp()).isEqualTo(new Decision.StepUp(List.of("hwk", "mfa", "otp", "swk"), 900));
        assertThat(denied.cacheTtlMillis()).isZero();
        assertThat(decide(stale, merge).stepUp()).isNotNull();

        Decision allowed = decide(fresh, merge);
        assertThat(allowed.allow()).isTrue();
        assertThat(allowed.stepUp()).isNull();
        assertThat(allowed.auditLevel()).isEqualTo("high");
        assertThat(allowed.quota().limit()).isEqualTo(5);
        assertThat(allowed.quota().windowMillis()).isEqualTo(3_600_000);
    }

    @Test
    void a_step_up_denial_tells_the_caller_what_to_prove() throws Exception {
        Subject passwordOnly = subject(List.of("admin"), List.of("pwd"), Instant.now());
        Decision denied = decide(passwordOnly, call("delete_branch", "acme", "payments-api"));

        var refusal = new GateVerdict(
                        List.of(GateVerdict.Outcome.decided(call("delete_branch", "acme", "payments-api"), denied)))
                .refusals()
                .get(0);
        assertThat(refusal.data().get("step_up").toString())
                .isEqualTo("{\"kind\":\"mfa\",\"amr_any\":[\"hwk\",\"mfa\",\"otp\",\"swk\"],\"max_age_s\":900}");
        assertThat(refusal.code()).isEqualTo(io.mcpguard.proxy.jsonrpc.ErrorCode.INSUFFICIENT_SCOPE);
    }

    @Test
    void masks_follow_the_roles_that_cover_the_repository() throws Exception {
        Subject developer = subject(List.of("developer@acme/*"), List.of("pwd"), null);
        Subject maintainer = subject(List.of("maintainer@acme/*"), List.of("pwd"), null);

        assertThat(decide(developer, call("list_pull_requests", "acme", "x")).mask())
                .containsExactly("internal_infrastructure", "personal_data", "secret");
        assertThat(decide(maintainer, call("list_pull_requests", "acme", "x")).mask())
                .containsExactly("internal_infrastructure", "secret");
        // get_file_content does not declare what a file may hold; the mask is every class a developer may not see.
        assertThat(decide(developer, call("get_file_content", "acme", "x")).mask())
                .containsExactly("internal_infrastructure", "personal_data", "secret");
        assertThat(decide(developer, call("list_pull_request_comments", "acme", "x"))
                        .mask())
                .containsExactly("internal_infrastructure", "personal_data", "secret");
        assertThat(decide(maintainer, call("get_file_content", "acme", "x")).mask())
                .containsExactly("internal_infrastructure", "secret");
    }
}
