package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.mcpguard.proxy.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Wasm engine's {@code sprintf} against the pinned OPA binary's own, call by call: each case is evaluated by
 * {@code opa eval} (arguments from JSON input, as a policy gets them) and by {@link RegoSprintf}, whose text must be
 * the same — or, for the few formats it cannot print exactly, a refusal (the decision then fails closed).
 */
class RegoSprintfAgainstOpaTest {
    /** Parsed as the Wasm engine parses what its module hands the host (WasmEvaluator's plain mapper). */
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String CASES = """
            [
             ["tool %s here", ["x"]], ["%d", [900]], ["%d", [-5]], ["%s", [5]], ["%s", [-5]], ["%v", [5]],
             ["%s", ["a", 2]], ["%s", ["a", 1, "b"]], ["%s %s", ["a"]], ["%d %d %s", []], ["100%%", []], ["abc%", []],
             ["%d", ["x"]], ["%d", [true]], ["%d", [null]], ["%d", [[1]]], ["%d", [1.5]], ["%s", [1.5]],
             ["%d", [9223372036854775807]], ["%s", [9223372036854775807]], ["%d", [-9223372036854775808]],
             ["%d", [9223372036854775808]], ["%s", [12345678901234567890]], ["%v", [-12345678901234567890]],
             ["%s", ["z", 12345678901234567890]],
             ["%v", [0.0001]], ["%v", [0.00012]], ["%v", [0.00001]], ["%v", [-1e-5]], ["%v", [-2.5e-7]],
             ["%v", [123456.5]], ["%v", [999999.9]], ["%v", [100000.0]], ["%v", [1000000.0]], ["%v", [1234567.0]],
             ["%v", [123456789.125]], ["%v", [1e20]], ["%v", [1e21]], ["%v", [1.5e300]], ["%v", [1e100]],
             ["%v", [0.0]], ["%v", [-0.0]], ["%v", [2.0]], ["%v", [0.1]], ["%v", [1.5]], ["%v", [-3.25]],
             ["%v", [null]], ["%v", [true]], ["%v", [false]], ["%v", [[1.5, {"a": []}]]], ["%s", [{"k": "v", "b": [1]}]],
             ["%v", [{"b": 1, "a": null}]], ["%v", [["a", 1]]], ["%s", [[]]], ["%v", [{}]],
             ["%q", ["plain"]], ["%q", ["a\\"b\\\\c\\n\\t\\u0007é😀\\u00a0"]],
             ["%q", ["\\b\\f\\r\\u000b\\u0001\\u007f\\u0085\\ue000\\udb80\\udc00 x"]], ["%q", ["\\ud800"]],
             ["%q", [["a"]]], ["%q", [null]], ["%q", [{"k": "\\n"}]],
             ["%q", [5]], ["%5s", ["a"]], ["%x", [1]], ["%-d", [1]], ["%.2f", [1.5]], ["%v", [1e400]]
            ]""";

    /**
     * The last six cases, which RegoSprintf refuses: %q of a number, a width, another verb, a flag, a precision, and
     * a number beyond float64.
     */
    private static final List<String> REFUSED = List.of("%q", "%5s", "%x", "%-d", "%.2f", "%v");

    @TempDir
    Path dir;

    @Test
    void every_case_prints_as_opa_prints_it_or_is_refused() throws Exception {
        Path opa = Tools.tool("opa");
        Path input = dir.resolve("input.json");
        Files.writeString(input, "{\"cases\":" + CASES + "}");
        Process process = new ProcessBuilder(
                        opa.toString(),
                        "eval",
                        "--format",
                        "raw",
                        "--input",
                        input.toString(),
                        "[r | some c in input.cases; r := sprintf(c[0], c[1])]")
                .redirectErrorStream(true)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        JsonNode byOpa = JSON.readTree(out);
        ArrayNode cases = (ArrayNode) JSON.readTree(CASES);
        assertThat(byOpa.size()).isEqualTo(cases.size());

        List<String> refused = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            JsonNode format = cases.get(i).get(0);
            JsonNode arguments = cases.get(i).get(1);
            String name = format.asText() + " " + arguments + " (case " + i + ")";
            String ours;
            try {
                ours = RegoSprintf.format(format, arguments);
            } catch (IllegalArgumentException e) {
                assertThat(i).as(name).isGreaterThanOrEqualTo(cases.size() - REFUSED.size());
                refused.add(format.asText());
                continue;
            }
            assertThat(ours).as(name).isEqualTo(byOpa.get(i).asText());
        }
        assertThat(refused).isEqualTo(REFUSED);
    }
}
