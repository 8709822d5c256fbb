package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.core.bitbucket.BitbucketAuth;
import io.mcpguard.core.bitbucket.BitbucketClient;
import io.mcpguard.core.tools.ToolCatalog;
import io.mcpguard.core.tools.ToolDefinition;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The policy's tool catalogue ({@code policies/mcp/tools/data.json}) and this server's tools agree: the same names,
 * and each tool's policy class is its {@link io.mcpguard.core.tools.Access} level. The policy decides who may call a
 * tool by that class; a tool the server makes dangerous but the policy reads as a write would let a developer merge.
 * Both sides are read as they are, so a change to either fails here instead of drifting.
 */
class PolicyCatalogueTest {
    private static final Path CATALOGUE = Path.of("policies", "mcp", "tools", "data.json");

    @Test
    void every_tool_of_the_server_has_its_access_level_as_its_class_in_the_policy_catalogue() throws Exception {
        BitbucketClient unused = new BitbucketClient(
                URI.create("http://127.0.0.1:9/2.0"),
                new BitbucketAuth.Anonymous(),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        Map<String, String> server = new TreeMap<>();
        for (ToolDefinition tool : ToolCatalog.all(unused)) {
            server.put(tool.name(), tool.access().name().toLowerCase(Locale.ROOT));
        }

        Map<String, String> policy = new TreeMap<>();
        JsonNode catalogue =
                new ObjectMapper().readTree(repositoryFile(CATALOGUE).toFile()).required("catalogue");
        catalogue
                .fields()
                .forEachRemaining(e ->
                        policy.put(e.getKey(), e.getValue().required("class").asText()));

        assertThat(server).hasSize(19);
        assertThat(policy)
                .as("policies/mcp/tools/data.json classes (expected: the server's Access levels)")
                .isEqualTo(server);
    }

    /** {@code relative} under the repository root, found upwards from the module directory Maven runs tests in. */
    private static Path repositoryFile(Path relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
