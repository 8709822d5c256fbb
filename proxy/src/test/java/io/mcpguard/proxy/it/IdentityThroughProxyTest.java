package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.Issuer;
import io.mcpguard.proxy.testing.JsonRpcAnswers;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.RecordingUpstream;
import io.mcpguard.proxy.testing.Tools;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArraySet;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The identity stage with real parts: a real OIDC issuer (mock-oauth2-server, real signed tokens, discovery and
 * JWKS over HTTP), a real OPA with a test policy that asks for MFA step-up on the dangerous tool, the proxy, and an
 * MCP SDK server that records every request (headers included) that reached it.
 */
class IdentityThroughProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESOURCE = "https://mcp.example.test/mcp";
    private static final String METADATA = "https://mcp.example.test/.well-known/oauth-protected-resource/mcp";
    private static final Set<String> SECRETS = new CopyOnWriteArraySet<>();

    private static final String CORE_CREDENTIAL = "Bearer core-" + UUID.randomUUID();
    private static final HttpClient http = HttpClient.newHttpClient();

    static {
        SECRETS.add(CORE_CREDENTIAL);
    }

    /** Every log line of the class, checked for secrets once all other parts stopped. */
    @RegisterExtension
    @Order(1)
    static final ClassPart<LogCapture> logs =
            ClassPart.of(LogCapture::new, IdentityThroughProxyTest::no_secret_ever_reached_a_log_line);

    @RegisterExtension
    @Order(2)
    static final ClassPart<Issuer> issuer = ClassPart.of(Issuer::new);

    @RegisterExtension
    @Order(3)
    static final ProxyStack stack = ProxyStack.builder()
            .policies(ProxyStack.Policies.resource("/policies-mfa"))
            .settings(() -> Map.of(
                    "auth.mode", "required",
                    "auth.issuer", issuer.get().url(),
                    "auth.resource", RESOURCE,
                    "auth.required-scopes", "mcp",
                    "auth.step-up-scope", "mcp:mfa",
                    "auth.claims.tenant", "tid",
                    "upstream.credential-file", credentialFile()))
            .yaml("""
                auth:
                  tool-scopes:
                    list_commits: [repo:history]
                """)
            .build();

    /** The proxy's own credential for the core, in a file. */
    private static String credentialFile() {
        try {
            Path file = Files.createTempFile("core-credential", ".txt");
            Files.writeString(file, CORE_CREDENTIAL + "\n");
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- discovery and challenges ----

    @Test
    void protected_resource_metadata_is_served_at_both_well_known_paths_without_a_credential() throws Exception {
        for (String path :
                List.of("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp")) {
            HttpResponse<String> answer = get(path);
            assertThat(answer.statusCode()).as(path).isEqualTo(200);
            JsonNode doc = JSON.readTree(answer.body());
            assertThat(doc.get("resource").asText()).isEqualTo(RESOURCE);
            assertThat(doc.get("authorization_servers").get(0).asText())
                    .isEqualTo(issuer.get().url());
            assertThat(doc.get("scopes_supported").toString()).contains("mcp", "mcp:mfa", "repo:history");
            assertThat(doc.get("bearer_methods_supported").get(0).asText()).isEqualTo("header");
        }
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void no_credential_gets_401_with_a_challenge_naming_the_metadata_and_scope_and_nothing_reaches_the_server()
            throws Exception {
        HttpResponse<String> answer = post(null, null, initialize());

        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(answer.headers().firstValue("WWW-Authenticate").orElseThrow())
                .isEqualTo("Bearer resource_metadata=\"" + METADATA + "\", scope=\"mcp\"");
        assertThat(JSON.readTree(answer.body()).at("/error/code").asInt()).isEqualTo(-32007);
        assertThat(stack.upstream().received()).isEmpty();
    }

    @Test
    void a_token_in_the_query_string_or_two_authorization_headers_are_refused_with_400() throws Exception {
        String token = token("alice", Map.of("scope", "mcp"));
        HttpResponse<String> inQuery =
                send(HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl() + "?access_token=" + token))
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json, text/event-stream")
                        .POST(HttpRequest.BodyPublishers.ofString(initialize())));
        assertThat(inQuery.statusCode()).isEqualTo(400);
        assertThat(inQuery.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"invalid_request\"");
        assertThat(stack.upstream().received()).isEmpty();
    }

    // ---- valid tokens, the subject, no passthrough ----

    @Test
    void a_valid_token_reaches_the_server_which_never_sees_the_clients_token_but_the_proxys_own_credential()
            throws Exception {
        String token = token("alice", Map.of("scope", "mcp"));
        String session = initializeSession(token);

        JsonNode result = call(token, session, "get_repository", "acme");

        assertThat(result.at("/result/content/0/text").asText()).isEqualTo("repository acme/api");
        assertThat(stack.upstream().received()).isNotEmpty();
        String signature = token.substring(token.lastIndexOf('.') + 1);
        for (RecordingUpstream.Received request : stack.upstream().received()) {
            assertThat(request.header("Authorization")).isEqualTo(CORE_CREDENTIAL);
            request.headers()
                    .forEach((name, values) -> values.forEach(value -> assertThat(value)
                            .as("header %s the core received", name)
                            .doesNotContain(token)
                            .doesNotContain(signature)));
            assertThat(request.body()).doesNotContain(signature);
        }
    }

    @Test
    void the_policy_receives_the_verified_subject_with_groups_roles_tenant_amr_acr_auth_time_and_client_id()
            throws Exception {
        long authTime = Instant.now().minusSeconds(60).getEpochSecond();
        String token = token(
                "alice",
                Map.of(
                        "scope",
                        "mcp",
                        "groups",
                        List.of("eng", "payments"),
                        "roles",
                        List.of("viewer"),
                        "tid",
                        "acme",
                        "amr",
                        List.of("pwd"),
                        "acr",
                        "urn:acr:silver",
                        "auth_time",
                        authTime,
                        "client_id",
                        "ide-plugin"));
        String session = initializeSession(token);

        JsonNode denied = call(token, session, "get_repository", "whoami");

        JsonNode subject = JSON.readTree(denied.at("/error/data/reasons/0").asText());
        assertThat(subject.get("id").asText()).isEqualTo("alice");
        assertThat(subject.get("authenticated").asBoolean()).isTrue();
        assertThat(subject.get("auth_method").asText()).isEqualTo("jwt");
        assertThat(subject.get("groups").toString()).isEqualTo("[\"eng\",\"payments\"]");
        assertThat(subject.get("roles").toString()).isEqualTo("[\"viewer\"]");
        assertThat(subject.get("tenant").asText()).isEqualTo("acme");
        assertThat(subject.get("amr").toString()).isEqualTo("[\"pwd\"]");
        assertThat(subject.get("acr").asText()).isEqualTo("urn:acr:silver");
        assertThat(subject.get("auth_time").asLong()).isEqualTo(authTime);
        assertThat(subject.get("client_id").asText()).isEqualTo("ide-plugin");
    }

    @Test
    void the_official_sdk_client_works_through_the_proxy_with_a_bearer_token() {
        String token = token("carol", Map.of("scope", "mcp"));
        McpSyncClient client = McpClient.sync(
                        HttpClientStreamableHttpTransport.builder(stack.proxy().baseUrl())
                                .endpoint("/mcp")
                                .httpRequestCustomizer((builder, method, uri, body, context) ->
                                        builder.header("Authorization", "Bearer " + token))
                                .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        try {
            client.initialize();
            CallToolResult result = client.callTool(CallToolRequest.builder("get_repository")
                    .arguments(Map.of("workspace", "acme", "repo", "api"))
                    .build());
            assertThat(((TextContent) result.content().get(0)).text()).isEqualTo("repository acme/api");
        } finally {
            client.closeGracefully();
        }
    }

    // ---- invalid tokens: each 401 invalid_token, nothing forwarded ----

    @Test
    void an_expired_token_is_refused() throws Exception {
        String expired = issuer.get()
                .token(
                        Issuer.ID,
                        "alice",
                        List.of(RESOURCE),
                        Map.of("scope", "mcp"),
                        Duration.ofMinutes(5),
                        Instant.now().minus(Duration.ofHours(1)));
        assertInvalidToken(expired, "the token has expired");
    }

    @Test
    void a_token_not_yet_valid_is_refused_beyond_the_clock_skew() throws Exception {
        String future = issuer.get()
                .token(
                        Issuer.ID,
                        "alice",
                        List.of(RESOURCE),
                        Map.of("scope", "mcp"),
                        Duration.ofHours(1),
                        Instant.now().plus(Duration.ofMinutes(10)));
        assertInvalidToken(future, "the token is not valid yet");
    }

    @Test
    void tokens_just_expired_or_just_ahead_of_our_clock_are_accepted_within_the_clock_skew() throws Exception {
        String justExpired = issuer.get()
                .token(
                        Issuer.ID,
                        "alice",
                        List.of(RESOURCE),
                        Map.of("scope", "mcp"),
                        Duration.ofSeconds(60),
                        Instant.now().minusSeconds(70));
        String slightlyAhead = issuer.get()
                .token(
                        Issuer.ID,
                        "alice",
                        List.of(RESOURCE),
                        Map.of("scope", "mcp"),
                        Duration.ofHours(1),
                        Instant.now().plusSeconds(10));
        remember(justExpired);
        remember(slightlyAhead);

        assertThat(post(justExpired, null, initialize()).statusCode()).isEqualTo(200);
        assertThat(post(slightlyAhead, null, initialize()).statusCode()).isEqualTo(200);
    }

    @Test
    void the_scheme_is_case_insensitive_and_other_schemes_are_a_missing_credential() throws Exception {
        String token = token("alice", Map.of("scope", "mcp"));
        HttpResponse<String> lower =
                send(HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl()))
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json, text/event-stream")
                        .header("Authorization", "bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(initialize())));
        assertThat(lower.statusCode()).isEqualTo(200);

        HttpResponse<String> basic =
                send(HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl()))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Basic YWxpY2U6c2VjcmV0")
                        .POST(HttpRequest.BodyPublishers.ofString(initialize())));
        assertThat(basic.statusCode()).isEqualTo(401);
        assertThat(basic.headers().firstValue("WWW-Authenticate").orElseThrow()).doesNotContain("error=");
    }

    @Test
    void a_token_for_another_audience_is_refused() throws Exception {
        assertInvalidToken(
                issuer.get().token("alice", "https://other-resource.example.test/mcp", Map.of("scope", "mcp")),
                "the token's audience is not this resource");
        assertInvalidToken(
                issuer.get()
                        .token(
                                Issuer.ID,
                                "alice",
                                List.of(RESOURCE, "https://other-resource.example.test/mcp"),
                                Map.of("scope", "mcp"),
                                Duration.ofHours(1),
                                null),
                "the token's audience is not this resource");
    }

    @Test
    void a_token_from_another_issuer_is_refused_even_when_signed_with_a_known_key() throws Exception {
        String other = issuer.get()
                .token("other", "alice", List.of(RESOURCE), Map.of("scope", "mcp"), Duration.ofHours(1), null);
        assertInvalidToken(other, "the token's issuer is not accepted");
    }

    @Test
    void an_unsigned_alg_none_token_is_refused() throws Exception {
        String none = new PlainJWT(validClaims("mallory")).serialize();
        assertInvalidToken(none, "the token is not signed");
    }

    @Test
    void a_token_hmac_signed_with_the_issuers_public_key_is_refused_algorithm_confusion() throws Exception {
        RSAKey published = issuer.get().publicKey();
        byte[] publicKeyAsSecret = published.toRSAPublicKey().getEncoded();
        SignedJWT forged = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .keyID(published.getKeyID())
                        .build(),
                validClaims("mallory"));
        forged.sign(new MACSigner(publicKeyAsSecret));
        assertInvalidToken(forged.serialize(), "the token's signature algorithm is not accepted");

        // The PEM text of the key, the other classic form of the same attack.
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(publicKeyAsSecret) + "\n-----END PUBLIC KEY-----\n";
        SignedJWT forgedPem = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .keyID(published.getKeyID())
                        .build(),
                validClaims("mallory"));
        forgedPem.sign(new MACSigner(pem.getBytes(StandardCharsets.US_ASCII)));
        assertInvalidToken(forgedPem.serialize(), "the token's signature algorithm is not accepted");
    }

    @Test
    void a_token_signed_by_a_key_the_issuer_never_published_is_refused_and_does_not_hammer_the_issuer()
            throws Exception {
        issuer.get().jwksFetches(); // forget what happened so far
        RSAKey attackerKey = new RSAKeyGenerator(2048).keyID("attacker-kid").generate();
        for (int i = 0; i < 5; i++) {
            SignedJWT forged = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.RS256)
                            .keyID("attacker-kid-" + i)
                            .build(),
                    validClaims("mallory"));
            forged.sign(new RSASSASigner(attackerKey));
            assertInvalidToken(forged.serialize(), "no signing key of the issuer matches the token");
        }
        // jwks-min-refresh-interval (30 s default): made-up kids cause at most one refetch.
        assertThat(issuer.get().jwksFetches()).isLessThanOrEqualTo(1);
    }

    @Test
    void a_tampered_token_is_refused() throws Exception {
        String token = token("alice", Map.of("scope", "mcp"));
        String[] parts = token.split("\\.");
        String claims = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"alice\"", "\"admin\"");
        String tampered = parts[0] + "."
                + java.util.Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(claims.getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        assertInvalidToken(tampered, "the token's signature is invalid");
    }

    // ---- scopes and MFA step-up ----

    @Test
    void a_token_without_the_required_scope_gets_403_insufficient_scope() throws Exception {
        String token = token("alice", Map.of("scope", "profile"));
        HttpResponse<String> answer = post(token, null, initialize());

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.headers().firstValue("WWW-Authenticate").orElseThrow())
                .startsWith(
                        "Bearer error=\"insufficient_scope\", scope=\"mcp\", resource_metadata=\"" + METADATA + "\"");
        assertThat(stack.upstream().received()).isEmpty();
    }

    @Test
    void a_tool_that_needs_a_scope_the_token_lacks_gets_403_naming_it() throws Exception {
        String token = token("alice", Map.of("scope", "mcp"));
        String session = initializeSession(token);
        stack.upstream().clear();

        HttpResponse<String> answer = post(token, session, toolCall(7, "list_commits", "acme"));

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_scope\"", "scope=\"mcp repo:history\"");
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("id").asInt()).isEqualTo(7);
        assertThat(body.at("/error/code").asInt()).isEqualTo(-32008);
        assertThat(stack.upstream().bodies()).noneSatisfy(b -> assertThat(b).contains("list_commits"));
    }

    @Test
    void a_dangerous_tool_without_mfa_gets_403_step_up_and_with_mfa_is_allowed() throws Exception {
        String withoutMfa = token("alice", Map.of("scope", "mcp", "amr", List.of("pwd")));
        String session = initializeSession(withoutMfa);
        stack.upstream().clear();

        HttpResponse<String> stepUp = post(withoutMfa, session, toolCall(9, "merge_pull_request", "acme"));

        assertThat(stepUp.statusCode()).isEqualTo(403);
        assertThat(stepUp.headers().firstValue("WWW-Authenticate").orElseThrow())
                .startsWith("Bearer error=\"insufficient_scope\", scope=\"mcp mcp:mfa\", resource_metadata=\""
                        + METADATA + "\"");
        JsonNode refusal = JSON.readTree(stepUp.body());
        assertThat(refusal.get("id").asInt()).isEqualTo(9);
        assertThat(refusal.at("/error/code").asInt()).isEqualTo(-32008);
        assertThat(refusal.at("/error/data/step_up/kind").asText()).isEqualTo("mfa");
        assertThat(refusal.at("/error/message").asText()).contains("needs multi-factor authentication");
        assertThat(stack.upstream().bodies()).noneSatisfy(b -> assertThat(b).contains("merge_pull_request"));

        // The same subject after a step-up: a new token whose amr names a second factor.
        String withMfa = token("alice", Map.of("scope", "mcp mcp:mfa", "amr", List.of("pwd", "mfa")));
        JsonNode merged = call(withMfa, session, "merge_pull_request", "acme");

        assertThat(merged.at("/result/content/0/text").asText()).isEqualTo("merged (must never run)");
    }

    // ---- session binding ----

    @Test
    void another_subject_presenting_a_session_is_refused_404_and_a_security_event_is_logged() throws Exception {
        String alice = token("alice", Map.of("scope", "mcp"));
        String bob = token("bob", Map.of("scope", "mcp"));
        String session = initializeSession(alice);
        stack.upstream().clear();

        HttpResponse<String> hijack = post(bob, session, toolCall(3, "get_repository", "acme"));

        assertThat(hijack.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(hijack.body()).at("/error/code").asInt()).isEqualTo(-32010);
        assertThat(stack.upstream().received()).isEmpty();
        assertThat(logs.get().lines())
                .anySatisfy(line -> assertThat(line.text())
                        .contains("event.name=security.session_hijack_attempt", "mcp.policy.subject.id=bob")
                        .doesNotContain(session));
        // A made-up session id is answered the same way: no oracle for which ids exist.
        HttpResponse<String> guessed = post(bob, UUID.randomUUID().toString(), toolCall(4, "get_repository", "acme"));
        assertThat(guessed.statusCode()).isEqualTo(404);
        assertThat(guessed.body()).isEqualTo(hijack.body().replace("\"id\":3", "\"id\":4"));
        // The owner still uses it.
        assertThat(call(alice, session, "get_repository", "acme")
                        .at("/result/content/0/text")
                        .asText())
                .isEqualTo("repository acme/api");
    }

    @Test
    void only_the_owner_can_end_a_session_and_an_ended_session_is_unknown() throws Exception {
        String alice = token("alice", Map.of("scope", "mcp"));
        String bob = token("bob", Map.of("scope", "mcp"));
        String session = initializeSession(alice);

        assertThat(delete(bob, session).statusCode()).isEqualTo(404);
        assertThat(call(alice, session, "get_repository", "acme")
                        .at("/result/content/0/text")
                        .asText())
                .isEqualTo("repository acme/api");

        assertThat(delete(alice, session).statusCode()).isBetween(200, 299);
        stack.upstream().clear();
        assertThat(post(alice, session, toolCall(8, "get_repository", "acme")).statusCode())
                .isEqualTo(404);
        assertThat(stack.upstream().received()).isEmpty();
    }

    private static HttpResponse<String> delete(String token, String session) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl()))
                .header("Authorization", "Bearer " + token)
                .header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-06-18")
                .DELETE());
    }

    // ---- helpers ----

    private static void no_secret_ever_reached_a_log_line(LogCapture logs) {
        assertThat(logs.lines()).isNotEmpty();
        for (LogCapture.Line line : logs.lines()) {
            for (String secret : SECRETS) {
                assertThat(line.text()).as("log line of %s", line.logger()).doesNotContain(secret);
            }
        }
    }

    private static String token(String subject, Map<String, Object> claims) {
        String token = issuer.get().token(subject, RESOURCE, claims);
        remember(token);
        return token;
    }

    private static void remember(String token) {
        SECRETS.add(token);
        int dot = token.lastIndexOf('.');
        if (dot > 0 && dot < token.length() - 1) {
            SECRETS.add(token.substring(dot + 1));
        }
    }

    private static JWTClaimsSet validClaims(String subject) {
        return new JWTClaimsSet.Builder()
                .issuer(issuer.get().url())
                .subject(subject)
                .audience(RESOURCE)
                .claim("scope", "mcp")
                .issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
                .build();
    }

    private void assertInvalidToken(String token, String description) throws Exception {
        remember(token);
        HttpResponse<String> answer = post(token, null, initialize());
        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(answer.headers().firstValue("WWW-Authenticate").orElseThrow())
                .isEqualTo("Bearer resource_metadata=\"" + METADATA + "\", scope=\"mcp\", error=\"invalid_token\", "
                        + "error_description=\"" + description.replace("'", "'") + "\"");
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.at("/error/code").asInt()).isEqualTo(-32007);
        assertThat(body.at("/error/message").asText()).isEqualTo("Invalid credential: " + description);
        String signature = token.substring(token.lastIndexOf('.') + 1);
        if (!signature.isEmpty()) {
            assertThat(answer.body()).doesNotContain(signature);
        }
        assertThat(stack.upstream().received()).isEmpty();
    }

    static String initialize() {
        return """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",\
                "capabilities":{},"clientInfo":{"name":"identity-test","version":"1"}}}""";
    }

    static String toolCall(int id, String tool, String workspace) {
        return """
                {"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s",\
                "arguments":{"workspace":"%s","repo":"api"}}}""".formatted(id, tool, workspace);
    }

    /** initialize + notifications/initialized; returns the session id the server minted. */
    static String initializeSession(String token) throws Exception {
        HttpResponse<String> init = post(token, null, initialize());
        assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        HttpResponse<String> initialized =
                post(token, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        assertThat(initialized.statusCode()).isEqualTo(202);
        return session;
    }

    static JsonNode call(String token, String session, String tool, String workspace) throws Exception {
        HttpResponse<String> answer = post(token, session, toolCall(2, tool, workspace));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return message(answer);
    }

    /** The JSON-RPC message of an answer, whether sent as JSON or as the last SSE event. */
    static JsonNode message(HttpResponse<String> answer) throws Exception {
        return JsonRpcAnswers.message(answer);
    }

    static HttpResponse<String> post(String token, String session, String body) throws Exception {
        return post(stack.proxy(), token, session, body);
    }

    static HttpResponse<String> post(ProxyHarness target, String token, String session, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.mcpUrl()))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (session != null) {
            request.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18");
        }
        return send(request);
    }

    static HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(stack.proxy().baseUrl() + path))
                .GET());
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static {
        Tools.repo(); // fail early outside the repository
    }
}
