package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.mask.ArgumentClassifier;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.testing.RealOpaEngine;
import io.mcpguard.proxy.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The policy contract from the Java side, on the examples {@code opa test} uses too: for each example the proxy's
 * own decoder and {@link PolicyInput} produce exactly the example's input document, and the real OPA, asked
 * through {@link OpaPolicyEngine}, gives exactly the example's decision.
 */
class PolicyContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final RealOpaEngine opa = new RealOpaEngine();

    static Stream<Path> examples() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> listing = Files.list(Tools.repo().resolve("policies/examples"))) {
            listing.filter(p -> p.toString().endsWith(".jsonc")).sorted().forEach(files::add);
        }
        assertThat(files).as("policy examples").isNotEmpty();
        return files.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void the_proxy_builds_the_example_input_and_opa_gives_the_example_decision(Path file) throws Exception {
        JsonNode example = JSON.readTree(file.toFile());
        JsonNode expectedInput = example.get("input");
        PolicyInput input = rebuild(expectedInput);

        assertThat(normalised(input.toJson())).isEqualTo(normalised(expectedInput));

        Decision decision = opa.engine().decide(input).get(10, TimeUnit.SECONDS);
        JsonNode expected = example.get("decision");
        assertThat(normalised(decision.result())).isEqualTo(normalised(expected));
        assertThat(decision.allow()).isEqualTo(expected.get("allow").asBoolean());
        assertThat(decision.reasons()).containsExactlyElementsOf(texts(expected.get("reasons")));
        assertThat(decision.mask()).containsExactlyElementsOf(texts(expected.get("mask")));
        assertThat(decision.cacheTtlMillis())
                .isEqualTo(expected.get("cache_ttl_ms").asLong());
        assertThat(decision.stepUp() != null)
                .as("step-up obligation")
                .isEqualTo(!expected.at("/obligations/require_mfa").isNull());
        assertThat(decision.quota() == null).isEqualTo(expected.get("quota").isNull());
        if (decision.quota() != null) {
            assertThat(decision.quota().key())
                    .isEqualTo(expected.at("/quota/key").asText());
            assertThat(decision.quota().limit())
                    .isEqualTo(expected.at("/quota/limit").asLong());
            assertThat(decision.quota().windowMillis())
                    .isEqualTo(expected.at("/quota/window_ms").asLong());
        }
        JsonNode lists = expected.get("lists");
        if (lists.has("tools")) {
            assertThat(decision.visibleTools()).containsExactlyInAnyOrderElementsOf(texts(lists.get("tools")));
        }
        if (lists.has("prompts")) {
            assertThat(decision.visiblePrompts().patterns()).containsExactlyElementsOf(texts(lists.get("prompts")));
        }
        if (lists.has("resources")) {
            assertThat(decision.visibleResources().patterns()).containsExactlyElementsOf(texts(lists.get("resources")));
        }
        assertThat(decision.decisionId())
                .as("decision id (OPA's decision log is on)")
                .isNotBlank();
        assertThat(decision.revision()).as("bundle revision from .manifest").isNotBlank();
    }

    /** The JSON-RPC message and transport facts the example describes, read back through the proxy's decoder. */
    private static PolicyInput rebuild(JsonNode input) throws Exception {
        JsonNode request = input.get("request");
        ObjectNode message = JSON.createObjectNode().put("jsonrpc", "2.0");
        if (request.has("id")) message.set("id", request.get("id"));
        message.set("method", request.get("method"));
        if (request.has("tool")) {
            ObjectNode params = message.putObject("params");
            params.set("name", request.get("tool"));
            params.set("arguments", request.get("arguments"));
        }
        if (request.has("prompt")) {
            message.putObject("params").set("name", request.get("prompt"));
        }
        if (request.has("resource")) {
            message.putObject("params").set("uri", request.get("resource"));
        }
        JsonRpcMessage decoded = new JsonRpcDecoder(64, 1 << 20, 32)
                .decode(JSON.writeValueAsBytes(message))
                .messages()
                .get(0);
        JsonNode transport = input.get("transport");
        TransportFacts facts = new TransportFacts(
                transport.get("client_address").asText(),
                transport.get("tls").asBoolean(),
                transport.get("http_method").asText(),
                transport.get("path").asText(),
                request.get("session_id").isNull()
                        ? null
                        : request.get("session_id").asText(),
                request.get("protocol_version").isNull()
                        ? null
                        : request.get("protocol_version").asText(),
                transport.get("batch_size").asInt());
        ArgumentFindings findings = decoded.toolArguments() == null
                ? ArgumentFindings.NONE
                : ArgumentFindings.classify(
                        new ArgumentClassifier(SensitiveDataScanner.withDefaults(List.of("internal"))),
                        decoded.toolArguments());
        return new PolicyInput(
                subject(input.get("subject")),
                decoded,
                facts,
                input.get("tool").isNull() ? null : input.get("tool"),
                findings);
    }

    /** The subject the identity stage would have produced for the example. */
    static Subject subject(JsonNode json) {
        return new Subject(
                json.get("id").asText(),
                json.get("authenticated").asBoolean(),
                json.get("auth_method").asText(),
                texts(json.get("roles")),
                texts(json.get("groups")),
                json.get("tenant").isNull() ? null : json.get("tenant").asText(),
                texts(json.get("amr")),
                json.get("acr").isNull() ? null : json.get("acr").asText(),
                json.get("auth_time").isNull()
                        ? null
                        : java.time.Instant.ofEpochSecond(json.get("auth_time").asLong()),
                json.get("client_id").isNull() ? null : json.get("client_id").asText());
    }

    private static JsonNode normalised(JsonNode node) throws IOException {
        return JSON.readTree(JSON.writeValueAsBytes(node)); // one number representation on both sides
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
