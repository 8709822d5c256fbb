package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schemas of the contract ({@code policies/schema/}) hold for every shared example, and for inputs the
 * proxy builds itself; and they are strict enough to refuse what breaks the contract.
 */
class PolicySchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry REGISTRY =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    static Stream<Path> examples() throws Exception {
        return PolicyContractTest.examples();
    }

    private static Schema schema(String name) throws Exception {
        return REGISTRY.getSchema(Files.readString(Tools.repo().resolve("policies/schema/" + name)), InputFormat.JSON);
    }

    private static List<Error> errors(String schema, JsonNode document) throws Exception {
        return schema(schema).validate(JSON.writeValueAsString(document), InputFormat.JSON);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void every_example_input_and_decision_match_the_schemas(Path file) throws Exception {
        JsonNode example = JSON.readTree(file.toFile());

        assertThat(errors("input.schema.jsonc", example.get("input"))).isEmpty();
        assertThat(errors("decision.schema.jsonc", example.get("decision"))).isEmpty();
    }

    @Test
    void an_input_the_proxy_builds_matches_the_input_schema() throws Exception {
        var message = new JsonRpcDecoder(64, 1 << 20, 32)
                .decode("""
                        {"jsonrpc":"2.0","id":"a-1","method":"tools/call",\
                        "params":{"name":"get_repository","arguments":{"workspace":"acme","repo":"api"}}}""".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .messages()
                .get(0);
        Subject subject = new Subject(
                "u-1",
                true,
                "jwt",
                List.of("developer@acme/*"),
                List.of("g"),
                "acme",
                List.of("pwd", "otp"),
                "urn:acr:mfa",
                java.time.Instant.ofEpochSecond(1_795_993_200L),
                "ide");
        ObjectNode declared = JSON.createObjectNode();
        declared.putObject("annotations").put("readOnlyHint", true);
        declared.putArray("data_classes").add("secret");
        TransportFacts facts = new TransportFacts("10.0.0.1", true, "POST", "/mcp", null, "2025-11-25", 1);

        assertThat(errors("input.schema.jsonc", new PolicyInput(subject, message, facts, declared).toJson()))
                .isEmpty();
        assertThat(errors("input.schema.jsonc", new PolicyInput(Subject.ANONYMOUS, message, facts).toJson()))
                .isEmpty();
        TransportFacts modern = new TransportFacts(
                "10.0.0.1",
                true,
                "POST",
                "/mcp",
                null,
                "2026-07-28",
                1,
                new io.mcpguard.proxy.jsonrpc.ProtocolEra(
                        io.mcpguard.proxy.jsonrpc.ProtocolEra.Era.MODERN, "2026-07-28"));
        JsonNode modernInput = new PolicyInput(subject, message, modern, declared).toJson();
        assertThat(errors("input.schema.jsonc", modernInput)).isEmpty();
        assertThat(modernInput.at("/transport/protocol_era").asText()).isEqualTo("modern");
        assertThat(new PolicyInput(subject, message, facts, declared)
                        .toJson()
                        .at("/transport/protocol_era")
                        .asText())
                .isEqualTo("legacy");
    }

    @Test
    void the_schemas_refuse_what_breaks_the_contract() throws Exception {
        JsonNode example = JSON.readTree(Tools.repo()
                .resolve("policies/examples/initialize-is-allowed.jsonc")
                .toFile());
        ObjectNode oldVersion = example.get("input").deepCopy();
        oldVersion.put("version", "1");
        ObjectNode noSubject = example.get("input").deepCopy();
        noSubject.remove("subject");
        ObjectNode unknownEra = example.get("input").deepCopy();
        ((ObjectNode) unknownEra.get("transport")).put("protocol_era", "future");
        ObjectNode noEra = example.get("input").deepCopy();
        ((ObjectNode) noEra.get("transport")).remove("protocol_era");
        ObjectNode noReasons = example.get("decision").deepCopy();
        noReasons.putArray("reasons");
        ObjectNode badQuota = example.get("decision").deepCopy();
        badQuota.putObject("quota")
                .put("key", "k")
                .put("limit", 0)
                .put("window_ms", 1)
                .put("cost", 1);

        assertThat(errors("input.schema.jsonc", oldVersion)).isNotEmpty();
        assertThat(errors("input.schema.jsonc", noSubject)).isNotEmpty();
        assertThat(errors("input.schema.jsonc", unknownEra)).isNotEmpty();
        assertThat(errors("input.schema.jsonc", noEra)).isNotEmpty();
        assertThat(errors("decision.schema.jsonc", noReasons)).isNotEmpty();
        assertThat(errors("decision.schema.jsonc", badQuota)).isNotEmpty();
    }
}
