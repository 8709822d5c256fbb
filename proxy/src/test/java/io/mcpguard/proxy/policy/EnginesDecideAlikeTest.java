package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.Tools;
import io.mcpguard.proxy.testing.WasmBundles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The proof that {@code policy.engine: wasm} decides exactly as {@code rest}: the same inputs go to a real OPA server
 * running the working tree's {@code policies/} and to {@link WasmPolicyEngine} running a bundle compiled from the same
 * files at test time, and the decision documents must serialise to the same canonical bytes (the decision id, which
 * only OPA's decision log assigns, aside), with the same revision.
 *
 * <p>The inputs: every shared example, then a corpus generated from a fixed seed ({@code -Ddifferential.seed},
 * {@code -Ddifferential.size}) — subjects, roles, groups, tools, arguments, versions, and members of the wrong type.
 */
class EnginesDecideAlikeTest {
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final long SEED = Long.getLong("differential.seed", 20261207L);
    private static final int SIZE = Integer.getInteger("differential.size", 3000);

    @TempDir
    static Path dir;

    static OpaProcess opa;
    static WasmPolicyEngine wasm;
    static HttpClient http;

    @BeforeAll
    static void start() {
        Path bundle = WasmBundles.buildRepoPolicies(dir);
        opa = OpaProcess.startWithRepoPolicies();
        http = HttpClient.newHttpClient();
        wasm = new WasmPolicyEngine(
                new ProxyConfig.Policy(ProxyConfig.Policy.Engine.WASM, bundle, Duration.ofHours(1), 1, 16),
                "mcp/authz/decision",
                new ObjectMapper());
    }

    @AfterAll
    static void stop() {
        if (wasm != null) wasm.close();
        if (opa != null) opa.close();
    }

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
    void every_shared_example_gets_the_same_decision_from_both_engines(Path file) throws Exception {
        JsonNode input = JSON.readTree(file.toFile()).get("input");

        assertSameDecision(input);
    }

    @Test
    void a_generated_corpus_gets_the_same_decisions_from_both_engines() throws Exception {
        Corpus corpus = new Corpus(new Random(SEED));
        int allowed = 0;
        for (int i = 0; i < SIZE; i++) {
            JsonNode input = corpus.next();
            if (assertSameDecision(input)) {
                allowed++;
            }
        }
        // The corpus must exercise both outcomes, or it proves little.
        assertThat(allowed).as("allowed decisions in the corpus").isBetween(SIZE / 20, SIZE - SIZE / 20);
    }

    @Test
    void the_engines_public_path_gives_the_same_decision_and_revision() throws Exception {
        Subject subject = new Subject(
                "u-1",
                true,
                "jwt",
                List.of("developer@acme/*"),
                List.of(),
                "acme",
                List.of("pwd"),
                null,
                java.time.Instant.now().minusSeconds(60),
                "ide");
        var message = PolicyDecisionsTest.call("create_pull_request", "acme", "payments-api");
        PolicyInput input = new PolicyInput(
                subject, message, new TransportFacts("127.0.0.1", false, "POST", "/mcp", null, null, 1));

        Decision fromWasm = wasm.decide(input).get();

        assertThat(fromWasm.revision()).isNotNull().isEqualTo(restRevision(input.toJson()));
        assertThat(canonical(fromWasm.result())).isEqualTo(canonical(rest(input.toJson())));
        assertThat(fromWasm.allow()).isTrue();
    }

    /**
     * The difference found in the first corpus: OPA's {@code json.marshal} escapes {@code < > &} and U+2028/U+2029 as
     * Go's encoder does ({@code \u003c}), the Wasm module's native {@code json.marshal} does not, and the policy's
     * reasons quote caller-chosen names through it. {@code _marshal} in {@code authz.rego} escapes them again, so the
     * reasons are the same byte for byte; the characters are in the generated corpus too.
     */
    @Test
    void html_characters_in_a_name_give_the_same_reason_in_both_engines() throws Exception {
        ObjectNode input = (ObjectNode) JSON.readTree(Tools.repo()
                        .resolve("policies/examples/a-viewer-may-not-create-a-pull-request.jsonc")
                        .toFile())
                .get("input");
        ((ObjectNode) input.get("request")).put("tool", "a<b>&c\u2028\u2029");

        assertSameDecision(input);
        assertThat(wasm.evaluate(JSON.writeValueAsBytes(input)).reasons())
                .anySatisfy(reason -> assertThat(reason).contains("a\\u003cb\\u003e\\u0026c\\u2028\\u2029"));
    }

    /** Asks both engines; fails on any difference; returns whether the decision allows. */
    private static boolean assertSameDecision(JsonNode input) throws Exception {
        JsonNode expected = rest(input);
        String fromWasm;
        try {
            fromWasm = canonical(wasm.evaluate(JSON.writeValueAsBytes(input)).result());
        } catch (PolicyUnavailableException e) {
            fromWasm = "unavailable: " + e.getMessage();
        }
        assertThat(fromWasm).as("decision for %s", input).isEqualTo(canonical(expected));
        return expected.path("allow").asBoolean(false);
    }

    private static JsonNode rest(JsonNode input) throws Exception {
        return post(input).get("result");
    }

    private static String restRevision(JsonNode input) throws Exception {
        return post(input)
                .at("/provenance/bundles")
                .elements()
                .next()
                .get("revision")
                .asText();
    }

    private static JsonNode post(JsonNode input) throws Exception {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.set("input", input);
        HttpResponse<byte[]> response = http.send(
                HttpRequest.newBuilder(URI.create(opa.url() + "/v1/data/mcp/authz/decision?provenance=true"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(envelope)))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as("OPA answer for %s", input).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String canonical(JsonNode node) throws IOException {
        if (node == null) {
            return "undefined";
        }
        Object tree = JSON.treeToValue(node, Object.class); // maps sort by key on the way out
        return JSON.writeValueAsString(tree);
    }

    /** Inputs near what the proxy sends, with every member sometimes missing, mistyped or hostile. */
    static final class Corpus {
        private static final JsonNodeFactory F = JsonNodeFactory.instance;
        private final Random random;
        private final List<String> tools;
        private final List<String> groups;

        Corpus(Random random) throws IOException {
            this.random = random;
            Path policies = Tools.repo().resolve("policies/mcp");
            this.tools = new ArrayList<>();
            JSON.readTree(policies.resolve("tools/data.json").toFile())
                    .path("catalogue")
                    .fieldNames()
                    .forEachRemaining(tools::add);
            this.groups = new ArrayList<>();
            JSON.readTree(policies.resolve("rbac/data.json").toFile())
                    .path("group_bindings")
                    .fieldNames()
                    .forEachRemaining(groups::add);
            assertThat(tools).as("tool catalogue").isNotEmpty();
        }

        JsonNode next() {
            ObjectNode input = F.objectNode();
            maybe(
                    input,
                    "version",
                    pick(
                            F.textNode("2"),
                            F.textNode("2"),
                            F.textNode("2"),
                            F.textNode("2"),
                            F.textNode("2"),
                            F.textNode("2"),
                            F.textNode("1"),
                            F.numberNode(2),
                            F.nullNode()),
                    0.02);
            input.set("subject", subject());
            input.set("request", request());
            if (random.nextInt(4) == 0) {
                input.set("tool", declared());
            }
            ObjectNode transport = input.putObject("transport");
            transport.put("client_address", pickText("127.0.0.1", "10.0.0.7", "::1"));
            transport.put("tls", random.nextBoolean());
            return input;
        }

        private JsonNode subject() {
            ObjectNode s = F.objectNode();
            maybe(s, "id", pick(F.textNode("u-" + random.nextInt(50)), text(), F.numberNode(7)), 0.02);
            boolean anonymous = random.nextInt(8) == 0;
            maybe(
                    s,
                    "authenticated",
                    pick(F.booleanNode(!anonymous), F.booleanNode(!anonymous), F.textNode("yes")),
                    0.02);
            s.put("auth_method", anonymous ? "none" : pickText("jwt", "api_key"));
            ArrayNode roles = s.putArray("roles");
            for (int i = random.nextInt(3); i > 0; i--) {
                roles.add(pickText(
                        "viewer@acme/*",
                        "developer@acme/*",
                        "maintainer@acme/payments-api",
                        "maintainer@acme/*",
                        "admin",
                        "admin@*/*",
                        "service-account@globex/*",
                        "Developer@ACME/*",
                        "developer@acme",
                        "bogus@x/y",
                        "@",
                        "viewer",
                        "developer@globex/api",
                        "maintainer@acme/{x}"));
            }
            if (random.nextInt(30) == 0) {
                s.put("roles", "developer@acme/*"); // not an array
            }
            ArrayNode gs = s.putArray("groups");
            for (int i = random.nextInt(2); i > 0 && !groups.isEmpty(); i--) {
                gs.add(random.nextInt(5) == 0 ? "nobody" : groups.get(random.nextInt(groups.size())));
            }
            maybe(s, "tenant", pick(F.textNode("acme"), F.textNode("globex"), F.nullNode(), F.numberNode(3)), 0.05);
            ArrayNode amr = s.putArray("amr");
            for (String method : List.of("pwd", "otp", "mfa", "hwk", "swk", "sms")) {
                if (random.nextInt(4) == 0) {
                    amr.add(method);
                }
            }
            // Ages well away from the policy's 900 s freshness and 60 s skew bounds: both engines read the clock
            // a few milliseconds apart, so an age on a boundary could flip between them.
            long now = System.currentTimeMillis() / 1000;
            long age = pick(30L, 300L, 600L, 1500L, 3600L, -30L, -600L);
            maybe(
                    s,
                    "auth_time",
                    pick(F.numberNode(now - age), F.numberNode(now - age), F.nullNode(), F.textNode("yesterday")),
                    0.02);
            s.put("client_id", pickText("ide", "cli", "vscode"));
            return s;
        }

        private JsonNode request() {
            ObjectNode r = F.objectNode();
            maybe(
                    r,
                    "direction",
                    pick(
                            F.textNode("client_to_server"),
                            F.textNode("client_to_server"),
                            F.textNode("client_to_server"),
                            F.textNode("server_to_client")),
                    0.02);
            String kind = pickText("request", "request", "request", "request", "notification", "response", "batch");
            maybe(r, "kind", F.textNode(kind), 0.02);
            String method = kind.equals("notification")
                    ? pickText("notifications/initialized", "notifications/cancelled", "tools/call", "x")
                    : pickText(
                            "tools/call",
                            "tools/call",
                            "tools/call",
                            "tools/call",
                            "tools/list",
                            "initialize",
                            "ping",
                            "resources/read",
                            "logging/setLevel",
                            "Tools/Call");
            maybe(r, "method", F.textNode(method), 0.02);
            r.put("id", random.nextInt(1000));
            if (method.equals("tools/call")) {
                maybe(
                        r,
                        "tool",
                        pick(
                                F.textNode(tools.get(random.nextInt(tools.size()))),
                                F.textNode(tools.get(random.nextInt(tools.size()))),
                                F.textNode(tools.get(random.nextInt(tools.size()))),
                                text(),
                                F.numberNode(1)),
                        0.02);
                ObjectNode args = r.putObject("arguments");
                maybe(args, "workspace", slug("acme", "globex", "ACME", "*"), 0.05);
                maybe(args, "repo", slug("payments-api", "api", "web"), 0.05);
                if (random.nextInt(5) == 0) {
                    args.put("title", text());
                }
                ArrayNode classes = r.putArray("argument_classes");
                for (String c : List.of("secret", "personal_data", "internal_infrastructure")) {
                    if (random.nextInt(6) == 0) {
                        classes.add(c);
                    }
                }
            }
            return r;
        }

        private JsonNode declared() {
            ObjectNode d = F.objectNode();
            ObjectNode annotations = d.putObject("annotations");
            if (random.nextBoolean()) annotations.put("readOnlyHint", random.nextBoolean());
            if (random.nextBoolean()) annotations.put("destructiveHint", random.nextBoolean());
            ArrayNode classes = d.putArray("data_classes");
            if (random.nextBoolean()) classes.add(pickText("personal_data", "source_code", "secret"));
            if (random.nextInt(10) == 0) classes.add(5);
            return d;
        }

        private JsonNode slug(String... good) {
            return switch (random.nextInt(10)) {
                case 0 -> text();
                case 1 -> F.numberNode(42);
                case 2 -> F.nullNode();
                case 3 -> F.textNode("a".repeat(120 + random.nextInt(20)));
                case 4 -> F.objectNode().put("name", "acme");
                default -> F.textNode(good[random.nextInt(good.length)]);
            };
        }

        /**
         * Short text with the characters that escape differently in JSON, Go quoting and UTF-8 (see {@link
         * EnginesDecideAlikeTest#html_characters_in_a_name_give_the_same_reason_in_both_engines()}).
         */
        private JsonNode text() {
            String[] pieces = {
                "a", "Z", "-", "_", ".", " ", "\"", "\\", "é", "ß", "€", "😀", "\n", "\t", "\u0007", "\u00a0", "{x}",
                "/", "%s", "%d", "<", ">", "&", "\u2028", "\u2029"
            };
            StringBuilder out = new StringBuilder();
            int length = random.nextInt(10) == 0 ? 60 + random.nextInt(20) : random.nextInt(12);
            for (int i = 0; i < length; i++) {
                out.append(pieces[random.nextInt(pieces.length)]);
            }
            return F.textNode(out.toString());
        }

        private void maybe(ObjectNode node, String name, JsonNode value, double missing) {
            if (random.nextDouble() >= missing) {
                node.set(name, value);
            }
        }

        @SafeVarargs
        private <T> T pick(T... options) {
            return options[random.nextInt(options.length)];
        }

        private String pickText(String... options) {
            return options[random.nextInt(options.length)];
        }
    }
}
