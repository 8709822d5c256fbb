package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.ProxyHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Repeated authentication failures from one address are a security event: one WARN line named {@code
 * security.authentication_failure_burst} per window, never with the credential that was tried. The upstream and
 * OPA are never reached (authentication fails on the headers), so none runs here: hence no
 * {@link io.mcpguard.proxy.testing.ProxyStack}, whose OPA and upstream would only add start-up time.
 */
class AuthenticationFailureBurstTest {

    @Test
    void ten_failures_from_one_address_give_one_warn_line_without_the_credential() throws Exception {
        String tried = "sk-guessed-" + java.util.UUID.randomUUID();
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (ProxyHarness proxy = new ProxyHarness(
                        "http://127.0.0.1:9/mcp", "http://127.0.0.1:9", Map.of("auth.mode", "required"));
                LogCapture logs = new LogCapture()) {
            for (int i = 0; i < 12; i++) {
                HttpResponse<String> answer = http.send(
                        HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                                .header("Content-Type", "application/json")
                                .header("Authorization", "Bearer " + tried)
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).isEqualTo(401);
            }

            assertThat(logs.lines())
                    .filteredOn(l -> l.text().contains("event.name=security.authentication_failure_burst"))
                    .singleElement()
                    .satisfies(l -> assertThat(l.level()).isEqualTo("WARN"))
                    .satisfies(l -> assertThat(l.text()).contains("client.address=127.0.0.1", "failures=10"));
            assertThat(logs.lines()).noneMatch(l -> l.text().contains(tried));
        }
    }
}
