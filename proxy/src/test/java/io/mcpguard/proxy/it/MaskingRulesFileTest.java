package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.ScriptedUpstream;
import io.mcpguard.proxy.testing.ScriptedUpstream.Answer;
import io.mcpguard.proxy.testing.ScriptedUpstream.Piece;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A team's rules file ({@code mask.rules-file}) through the proxy, with a real OPA deciding for a developer who may
 * not see secrets: its token format is masked in answers, an edit is used without a restart, and a file that does
 * not load stops the proxy from starting with a message naming the rule.
 *
 * <p>Not on {@link io.mcpguard.proxy.testing.ProxyStack}: each test builds its own proxy on its own rules file, and
 * one proxy failing to start is a test's subject.
 */
class MaskingRulesFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject DEVELOPER = new Subject(
            "dev-1", true, "jwt", List.of("developer@acme/*"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final String READ_PR = "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
            + "{\"name\":\"get_pull_request\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"payments-api\","
            + "\"pr_id\":2}}}";
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static OpaProcess opa;
    private static ScriptedUpstream upstream;

    @BeforeAll
    static void start() {
        opa = OpaProcess.startWithRepoPolicies();
        upstream = new ScriptedUpstream();
    }

    @AfterAll
    static void stop() {
        if (upstream != null) upstream.close();
        if (opa != null) opa.close();
    }

    @Test
    void a_team_token_is_masked_and_an_edit_applies_without_a_restart(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("acme-rules.toml");
        Files.writeString(rules, rule("acme-deploy-token", "acme_dt_"));
        String deployToken = "acme_dt_q8m2v7x4k1p9z3r6t0w5y2n8b4c7d1f3";
        String buildToken = "acme_bt_z3r6t0w5y2n8b4c7d1f3q8m2v7x4k1p9";
        try (ProxyHarness proxy = new ProxyHarness(
                upstream.url(), opa.url(), Map.of("mask.rules-file", rules.toString()), (ctx, r) -> DEVELOPER)) {
            String first = answerText(proxy, 1, "deploy " + deployToken + " build " + buildToken);

            assertThat(first)
                    .doesNotContain(deployToken)
                    .contains("[REDACTED:acme-deploy-token]")
                    .contains(buildToken); // not a rule yet

            Files.writeString(rules, rule("acme-deploy-token", "acme_dt_") + rule("acme-build-token", "acme_bt_"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String later = first;
            for (int id = 2; later.contains(buildToken) && System.nanoTime() < deadline; id++) {
                Thread.sleep(200);
                later = answerText(proxy, id, "deploy " + deployToken + " build " + buildToken);
            }
            assertThat(later)
                    .as("the edited rules file is in use")
                    .doesNotContain(buildToken)
                    .doesNotContain(deployToken)
                    .contains("[REDACTED:acme-build-token]");
        }
    }

    @Test
    void a_rules_file_that_does_not_load_stops_the_start(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("broken.toml");
        Files.writeString(
                rules,
                rule("acme-deploy-token", "acme_dt_")
                        + "[[rules]]\nid = \"acme-broken\"\nregex = '''(?<!x)y'''\nkeywords = [\"y\"]\n");

        assertThatThrownBy(() -> new ProxyHarness(
                                upstream.url(),
                                opa.url(),
                                Map.of("mask.rules-file", rules.toString()),
                                (ctx, r) -> DEVELOPER)
                        .close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'mask.rules-file'")
                .hasMessageContaining("rule 'acme-broken'")
                .hasMessageContaining("key 'regex'");
    }

    private static String rule(String id, String prefix) {
        return "[[rules]]\nid = \"" + id + "\"\nregex = '''\\b" + prefix + "[a-z0-9]{32}\\b'''\nkeywords = [\"" + prefix
                + "\"]\n";
    }

    private static String answerText(ProxyHarness proxy, int id, String text) throws Exception {
        upstream.script(body -> new Answer(
                200,
                "application/json",
                List.of(Piece.of("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"content\":[{\"type\":\"text\","
                        + "\"text\":" + JSON.valueToTree(text) + "}],\"isError\":false}}"))));
        HttpRequest request = HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(READ_PR.formatted(id)))
                .build();
        String body = HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(body).at("/result/content/0/text").asText();
    }
}
