package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the JSON masker with secrets planted in fuzzed data. Oracles: no planted secret (an AWS access key id, a
 * GitHub token, a PEM private key) survives in any style, and the output is valid JSON of the input's shape (as
 * many keys in the same order, a key renamed only where masking it changes it, same array lengths, same type at
 * every place but an integer masked as a card number; only strings change).
 */
class JsonMaskerFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final byte[] KEY = "fuzz-only-hash-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    static final TextMasker TEXTS =
            new TextMasker(SensitiveDataScanner.withDefaults(List.of("internal", "corp.example.com")), KEY);
    private static final JsonMasker MASKER = new JsonMasker(TEXTS);

    private static final String UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final String BASE64 = ALNUM + "+/";

    @FuzzTest(maxDuration = "10s")
    void no_planted_secret_survives_and_the_shape_holds(FuzzedDataProvider data) throws Exception {
        MaskStyle style = data.pickValue(MaskStyle.values());
        List<String> planted = new ArrayList<>();
        // Read back from its text, as the proxy reads an answer: a built tree's long 0 or NaN is no node Jackson
        // reads back (an int 0, a string), and the round trip below would fail on the test's own tree.
        JsonNode original = JSON.readTree(JSON.writeValueAsString(node(data, planted, 0)));

        MaskRule rule = MaskRule.all(style);
        JsonNode masked = MASKER.masked(original.deepCopy(), rule, new MaskCounts());

        String out = JSON.writeValueAsString(masked);
        assertThat(JSON.readTree(out)).as("masked output is valid JSON").isEqualTo(masked);
        assertSameShape(original, masked, rule, "$");
        for (String secret : planted) {
            assertThat(out).as("planted secret in %s style", style).doesNotContain(secret);
        }
    }

    /** A JSON tree of fuzzed shape whose strings may carry planted secrets. */
    private static JsonNode node(FuzzedDataProvider data, List<String> planted, int depth) {
        int kind = data.consumeInt(0, depth >= 5 ? 4 : 6);
        return switch (kind) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(data.consumeBoolean());
            case 2 -> NODES.numberNode(data.consumeLong());
            case 3 -> NODES.numberNode(data.consumeDouble());
            case 4 -> NODES.textNode(text(data, planted));
            case 5 -> {
                ArrayNode array = NODES.arrayNode();
                int n = data.consumeInt(0, 4);
                for (int i = 0; i < n; i++) {
                    array.add(node(data, planted, depth + 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                int n = data.consumeInt(0, 4);
                for (int i = 0; i < n; i++) {
                    object.set(data.consumeString(24), node(data, planted, depth + 1));
                }
                yield object;
            }
        };
    }

    /** Fuzzed text, with a secret of a default rule planted in it now and then (set off by spaces). */
    static String text(FuzzedDataProvider data, List<String> planted) {
        String text = data.consumeString(200);
        if (!data.consumeBoolean()) {
            return text;
        }
        String secret = switch (data.consumeInt(0, 2)) {
            case 0 -> "AKIA" + token(data, UPPER_ALNUM, 16);
            case 1 -> "ghp_" + token(data, ALNUM, 36);
            default ->
                "-----BEGIN RSA PRIVATE KEY-----\n"
                        + "MIIE" + token(data, BASE64, 60) + "\n"
                        + token(data, BASE64, 64) + "\n"
                        + "-----END RSA PRIVATE KEY-----";
        };
        planted.add(secret.contains("PRIVATE KEY") ? secret.split("\n")[1] : secret);
        int at = data.consumeInt(0, text.length());
        return text.substring(0, at) + " " + secret + " " + text.substring(at);
    }

    private static String token(FuzzedDataProvider data, String alphabet, int length) {
        StringBuilder token = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            token.append(alphabet.charAt(Math.floorMod(data.consumeByte(), alphabet.length())));
        }
        return token.toString();
    }

    private static void assertSameShape(JsonNode before, JsonNode after, MaskRule rule, String path) {
        if (before.isIntegralNumber() && after.isTextual()) {
            assertThat(after.asText())
                    .as(path + ": a number only becomes a string when masked")
                    .doesNotContain(before.asText());
            return;
        }
        assertThat(after.getNodeType()).as(path).isEqualTo(before.getNodeType());
        if (before.isObject()) {
            List<Map.Entry<String, JsonNode>> fieldsBefore = new ArrayList<>();
            before.fields().forEachRemaining(fieldsBefore::add);
            List<Map.Entry<String, JsonNode>> fieldsAfter = new ArrayList<>();
            after.fields().forEachRemaining(fieldsAfter::add);
            assertThat(fieldsAfter).as(path + " keys").hasSameSizeAs(fieldsBefore);
            for (int i = 0; i < fieldsBefore.size(); i++) {
                String key = fieldsBefore.get(i).getKey();
                String keyAfter = fieldsAfter.get(i).getKey();
                if (!keyAfter.equals(key)) {
                    assertThat(TEXTS.mask(key, rule, new MaskCounts()))
                            .as(path + ": key " + key + " renamed, so masking must change it")
                            .isNotEqualTo(key);
                }
                assertSameShape(
                        fieldsBefore.get(i).getValue(), fieldsAfter.get(i).getValue(), rule, path + "." + key);
            }
        } else if (before.isArray()) {
            assertThat(after.size()).as(path + " length").isEqualTo(before.size());
            for (int i = 0; i < before.size(); i++) {
                assertSameShape(before.get(i), after.get(i), rule, path + "[" + i + "]");
            }
        } else if (!before.isTextual()) {
            assertThat(after).as(path).isEqualTo(before);
        }
    }
}
