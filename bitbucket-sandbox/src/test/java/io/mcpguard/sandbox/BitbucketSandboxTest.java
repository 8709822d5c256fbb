package io.mcpguard.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BitbucketSandboxTest {
    private static BitbucketSandbox sandbox;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        sandbox = BitbucketSandbox.start(0);
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @BeforeEach
    void reset() {
        sandbox.reset();
    }

    private static HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.apiUrl() + path));
        if (token != null) {
            String basic = Base64.getEncoder()
                    .encodeToString((BitbucketSandbox.DEMO_EMAIL + ":" + token).getBytes(StandardCharsets.UTF_8));
            b.header("Authorization", "Basic " + basic);
        }
        if (body != null) b.header("Content-Type", "application/json");
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Renderer.JSON.readTree(r.body());
    }

    @Test
    void requests_without_or_with_wrong_credentials_get_401_with_a_bitbucket_error_body() throws Exception {
        HttpResponse<String> none = call("GET", "/user", null, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        assertThat(json(none).path("type").asText()).isEqualTo("error");
        assertThat(call("GET", "/user", "wrong", null).statusCode()).isEqualTo(401);
    }

    @Test
    void bearer_access_token_is_accepted() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(sandbox.apiUrl() + "/user"))
                .header("Authorization", "Bearer " + BitbucketSandbox.DEMO_ACCESS_TOKEN)
                .build();
        HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).path("uuid").asText()).startsWith("{").endsWith("}");
    }

    @Test
    void lists_are_paginated_the_bitbucket_way() throws Exception {
        JsonNode page1 = json(call("GET", "/repositories/acme?pagelen=2", BitbucketSandbox.DEMO_API_TOKEN, null));
        assertThat(page1.path("pagelen").asInt()).isEqualTo(2);
        assertThat(page1.path("size").asInt()).isEqualTo(4);
        assertThat(page1.path("values")).hasSize(2);
        assertThat(page1.path("next").asText()).contains("page=2").contains("pagelen=2");
        String next = page1.path("next").asText().substring(sandbox.apiUrl().length());
        JsonNode page2 = json(call("GET", next, BitbucketSandbox.DEMO_API_TOKEN, null));
        assertThat(page2.path("values")).hasSize(2);
        assertThat(page2.has("next")).isFalse();
        assertThat(page2.path("previous").asText()).contains("page=1");
    }

    @Test
    void read_only_token_gets_403_on_writes() throws Exception {
        HttpResponse<String> r = call(
                "POST",
                "/repositories/acme/payments-api/pullrequests/2/approve",
                BitbucketSandbox.READ_ONLY_API_TOKEN,
                "{}");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r).path("error").path("message").asText()).contains("privilege scopes");
    }

    @Test
    void merging_changes_the_branch_and_a_second_merge_is_refused() throws Exception {
        String token = BitbucketSandbox.DEMO_API_TOKEN;
        String before = json(call("GET", "/repositories/acme/payments-api/refs/branches/main", token, null))
                .path("target")
                .path("hash")
                .asText();
        HttpResponse<String> merged = call(
                "POST",
                "/repositories/acme/payments-api/pullrequests/2/merge",
                token,
                "{\"merge_strategy\":\"merge_commit\",\"close_source_branch\":true}");
        assertThat(merged.statusCode()).isEqualTo(200);
        JsonNode pr = json(merged);
        assertThat(pr.path("state").asText()).isEqualTo("MERGED");
        String mergeCommit = pr.path("merge_commit").path("hash").asText();
        JsonNode main = json(call("GET", "/repositories/acme/payments-api/refs/branches/main", token, null));
        assertThat(main.path("target").path("hash").asText())
                .isEqualTo(mergeCommit)
                .isNotEqualTo(before);
        assertThat(main.path("target").path("parents")).hasSize(2);
        assertThat(call("GET", "/repositories/acme/payments-api/refs/branches/feature/refund-endpoint", token, null)
                        .statusCode())
                .isEqualTo(404);
        String refunds = call(
                        "GET",
                        "/repositories/acme/payments-api/src/main/src/main/java/com/acme/payments/core/RefundService.java",
                        token,
                        null)
                .body();
        assertThat(refunds).contains("class RefundService");

        HttpResponse<String> again = call("POST", "/repositories/acme/payments-api/pullrequests/2/merge", token, "{}");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).path("error").path("message").asText()).contains("already merged");
    }

    @Test
    void pull_request_diff_redirects_to_a_unified_diff() throws Exception {
        HttpResponse<String> r = call(
                "GET", "/repositories/acme/payments-api/pullrequests/2/diff", BitbucketSandbox.DEMO_API_TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(302);
        String location = r.headers().firstValue("Location").orElseThrow();
        HttpResponse<String> diff =
                call("GET", location.substring(sandbox.apiUrl().length()), BitbucketSandbox.DEMO_API_TOKEN, null);
        assertThat(diff.body())
                .contains("diff --git a/src/main/java/com/acme/payments/core/RefundService.java")
                .contains("new file mode 100644")
                .contains("+    @PostMapping(\"/{id}/refunds\")");
    }

    @Test
    void seed_plants_the_sensitive_data_the_proxy_must_mask() throws Exception {
        String token = BitbucketSandbox.DEMO_API_TOKEN;
        String config = call("GET", "/repositories/acme/payments-api/src/main/config/application-prod.yml", token, null)
                .body();
        assertThat(config)
                .containsPattern("AKIA[0-9A-Z]{16}")
                .contains("-----BEGIN RSA PRIVATE KEY-----")
                .containsPattern("postgresql://[^:]+:[^@]+@")
                .contains(".internal");
        String comments = call("GET", "/repositories/acme/payments-api/pullrequests/2/comments", token, null)
                .body();
        assertThat(comments).contains("ATATT3xFfGF0");
        String commits = call("GET", "/repositories/acme/payments-api/commits/main", token, null)
                .body();
        assertThat(commits).contains("priya.raman@acme-corp.example");
        String pr = call("GET", "/repositories/acme/payments-api/pullrequests/2", token, null)
                .body();
        assertThat(pr).contains("+1 (415) 555-0142");
    }

    @Test
    void injected_rate_limit_carries_retry_after() throws Exception {
        sandbox.injectFault("GET", "/repositories/acme", 429, 7, 1);
        HttpResponse<String> r = call("GET", "/repositories/acme", BitbucketSandbox.DEMO_API_TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).contains("7");
        assertThat(call("GET", "/repositories/acme", BitbucketSandbox.DEMO_API_TOKEN, null)
                        .statusCode())
                .isEqualTo(200);
    }
}
