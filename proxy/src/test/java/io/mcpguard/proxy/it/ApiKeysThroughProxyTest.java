package io.mcpguard.proxy.it;

import static io.mcpguard.proxy.it.IdentityThroughProxyTest.initialize;
import static io.mcpguard.proxy.it.IdentityThroughProxyTest.post;
import static io.mcpguard.proxy.it.IdentityThroughProxyTest.toolCall;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.auth.ApiKeyStore;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.ProxyStack;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Service accounts with API keys through the proxy: the key store is a file of hashes, re-read when it changes. */
class ApiKeysThroughProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CORE_TOKEN = "core-" + java.util.UUID.randomUUID();

    private static final String[] oldKey = ApiKeyStore.newKey("ci-2026-10");
    private static final String[] newKey = ApiKeyStore.newKey("ci-2026-11");
    private static final String[] expiredKey = ApiKeyStore.newKey("ci-2025");
    private static Path keyFile;

    /** Every log line of the class, checked for the core's token and the keys once all other parts stopped. */
    @RegisterExtension
    @Order(1)
    static final ClassPart<LogCapture> logs = ClassPart.of(LogCapture::new, ApiKeysThroughProxyTest::noSecretIn);

    @RegisterExtension
    @Order(2)
    static final ProxyStack stack = ProxyStack.builder()
            .policies(ProxyStack.Policies.resource("/policies-mfa"))
            .settings(() -> Map.of(
                    "auth.mode", "required",
                    "auth.resource", "https://mcp.example.test/mcp",
                    "auth.api-keys.file", keyFile().toString(),
                    "auth.api-keys.reload-interval", "100ms",
                    // The proxy's own credential for the core, from an environment variable, in a custom header.
                    "upstream.credential-env", "MCPGUARD_TEST_CORE_TOKEN",
                    "upstream.credential-header", "X-Core-Credential",
                    "test.core-token", CORE_TOKEN))
            .build();

    /** The key file, with both CI keys, written when the stack starts. */
    private static Path keyFile() {
        try {
            keyFile = Files.createTempFile("api-keys", ".yaml");
            writeKeys(true);
            return keyFile;
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the key file", e);
        }
    }

    /** Both CI keys (a rotation overlap), with or without the old one, plus an expired key. */
    private static void writeKeys(boolean withOld) throws Exception {
        String old = withOld ? entry(oldKey, "2026-10-01T00:00:00Z", null) : "";
        Files.writeString(
                keyFile,
                "keys:\n" + old
                        + entry(newKey, "2026-11-01T00:00:00Z", null)
                        + entry(expiredKey, "2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z"));
    }

    private static String entry(String[] key, String created, String expires) {
        String id = key[0].substring(5, key[0].indexOf('_', 5));
        return """
                  - id: %s
                    owner: svc-ci
                    sha256: %s
                    roles: [ci]
                    groups: [automation]
                    scopes: [mcp]
                    tenant: acme
                    created: %s
                %s""".formatted(id, key[1], created, expires == null ? "" : "    expires: " + expires + "\n");
    }

    private static void noSecretIn(LogCapture logs) {
        for (LogCapture.Line line : logs.lines()) {
            assertThat(line.text()).doesNotContain(CORE_TOKEN);
            for (String[] key : new String[][] {oldKey, newKey, expiredKey}) {
                assertThat(line.text()).doesNotContain(key[0]).doesNotContain(key[0].substring(20));
            }
        }
    }

    @Test
    void both_keys_of_a_rotation_overlap_work_and_the_subject_is_the_service_account() throws Exception {
        for (String[] key : new String[][] {oldKey, newKey}) {
            HttpResponse<String> init = post(stack.proxy(), key[0], null, initialize());
            assertThat(init.statusCode()).isEqualTo(200);
            String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
            post(stack.proxy(), key[0], session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

            JsonNode whoami = IdentityThroughProxyTest.message(
                    post(stack.proxy(), key[0], session, toolCall(5, "get_repository", "whoami")));
            JsonNode subject = JSON.readTree(whoami.at("/error/data/reasons/0").asText());
            assertThat(subject.get("id").asText()).isEqualTo("svc-ci");
            assertThat(subject.get("auth_method").asText()).isEqualTo("api_key");
            assertThat(subject.get("roles").toString()).isEqualTo("[\"ci\"]");
            assertThat(subject.get("groups").toString()).isEqualTo("[\"automation\"]");
            assertThat(subject.get("tenant").asText()).isEqualTo("acme");
        }
        for (var request : stack.upstream().received()) {
            assertThat(request.header("Authorization")).isNull();
        }
    }

    @Test
    void an_expired_a_wrong_and_a_malformed_key_get_the_same_401() throws Exception {
        String wrongSecret = newKey[0].substring(0, newKey[0].length() - 4) + "AAAA";
        for (String key : new String[] {expiredKey[0], wrongSecret, "mcpg_nope", "mcpg_unknown-id_abcdef"}) {
            HttpResponse<String> answer = post(stack.proxy(), key, null, initialize());
            assertThat(answer.statusCode()).as(key).isEqualTo(401);
            assertThat(answer.headers().firstValue("WWW-Authenticate").orElseThrow())
                    .contains("error=\"invalid_token\"", "error_description=\"the API key is not valid\"");
        }
        assertThat(logs.get().lines())
                .anySatisfy(line -> assertThat(line.text()).contains("api_key.id=ci-2025", "reason=expired"));
    }

    @Test
    void a_key_removed_from_the_file_stops_working_without_a_restart() throws Exception {
        assertThat(post(stack.proxy(), oldKey[0], null, initialize()).statusCode())
                .isEqualTo(200);
        try {
            writeKeys(false);
            long deadline = System.nanoTime() + 5_000_000_000L;
            int status = 200;
            while (status == 200 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                status = post(stack.proxy(), oldKey[0], null, initialize()).statusCode();
            }
            assertThat(status).isEqualTo(401);
            assertThat(post(stack.proxy(), newKey[0], null, initialize()).statusCode())
                    .isEqualTo(200);
        } finally {
            writeKeys(true);
            Thread.sleep(300);
        }
    }

    @Test
    void only_the_proxy_sets_its_credential_header_for_the_core() throws Exception {
        stack.upstream().clear();
        HttpResponse<String> init = IdentityThroughProxyTest.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(stack.proxy().mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("Authorization", "Bearer " + newKey[0])
                .header("X-Core-Credential", "forged-by-the-client")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(initialize())));

        assertThat(init.statusCode()).isEqualTo(200);
        assertThat(stack.upstream().received()).isNotEmpty().allSatisfy(request -> {
            assertThat(request.headers().get("X-Core-Credential")).containsExactly(CORE_TOKEN);
            assertThat(request.header("Authorization")).isNull();
        });
    }

    @Test
    void a_jwt_is_refused_when_no_issuer_is_configured() throws Exception {
        HttpResponse<String> answer =
                post(stack.proxy(), "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", null, initialize());
        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(Instant.now()).isNotNull();
    }
}
