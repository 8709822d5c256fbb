package io.mcpguard.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one command the demo uses: the sandbox as its own process prints its URL and serves the demo credential. */
class SandboxMainTest {
    @Test
    void starts_on_loopback_prints_its_url_and_serves_the_demo_account() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(java, "-cp", classpath, SandboxMain.class.getName(), "--port", "0")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            assertThat(first)
                    .startsWith("Bitbucket sandbox listening on http://127.0.0.1:")
                    .endsWith("/2.0");
            String api = first.substring(first.indexOf("http://"));
            String basic = Base64.getEncoder()
                    .encodeToString((BitbucketSandbox.DEMO_EMAIL + ":" + BitbucketSandbox.DEMO_API_TOKEN)
                            .getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> me = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(api + "/user"))
                                    .header("Authorization", "Basic " + basic)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(me.statusCode()).isEqualTo(200);
            assertThat(me.body()).contains("\"display_name\":\"Dana Demo\"");
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
