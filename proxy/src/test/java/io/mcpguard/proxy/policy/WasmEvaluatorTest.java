package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.testing.Tools;
import io.mcpguard.proxy.testing.WasmBundles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One instance of the repository's policy compiled to Wasm by the real OPA: its clock, its input, its heap. */
class WasmEvaluatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ENTRYPOINT = "mcp/authz/decision";

    @TempDir
    static Path dir;

    private static WasmBundle bundle;
    private static ObjectNode merge;

    @BeforeAll
    static void build() throws Exception {
        bundle = WasmBundle.read(WasmBundles.buildRepoPolicies(dir));
        merge = (ObjectNode) JSON.readTree(Tools.repo()
                        .resolve("policies/examples/a-maintainer-without-a-second-factor-must-step-up-to-merge.jsonc")
                        .toFile())
                .get("input");
        ((ObjectNode) merge.get("subject"))
                .set("amr", JSON.createArrayNode().add("pwd").add("otp"));
    }

    private static JsonNode result(String answer) throws Exception {
        JsonNode results = JSON.readTree(answer);
        assertThat(results).hasSize(1);
        return results.get(0).get("result");
    }

    @Test
    void time_now_ns_is_the_host_clock_read_once_per_evaluation() throws Exception {
        long authTime = merge.get("subject").get("auth_time").asLong();
        AtomicLong nowSeconds = new AtomicLong(authTime + 10);
        AtomicInteger reads = new AtomicInteger();
        WasmEvaluator evaluator = new WasmEvaluator(bundle, ENTRYPOINT, 1024, () -> {
            reads.incrementAndGet();
            return nowSeconds.get() * 1_000_000_000L;
        });
        byte[] input = JSON.writeValueAsBytes(merge);

        assertThat(result(evaluator.evaluate(input)).get("allow").asBoolean())
                .as("a second factor ten seconds old")
                .isTrue();
        assertThat(reads).hasValue(1);

        nowSeconds.set(authTime + 901);
        JsonNode late = result(evaluator.evaluate(input));
        assertThat(late.get("allow").asBoolean())
                .as("the next evaluation reads the clock again")
                .isFalse();
        assertThat(late.at("/obligations/require_mfa/max_age_s").asInt()).isEqualTo(900);
        assertThat(reads).hasValue(2);
    }

    @Test
    void an_entrypoint_the_module_lacks_is_refused_naming_the_ones_it_has() {
        assertThatThrownBy(() -> new WasmEvaluator(bundle, "mcp/authz/nothing", 1024, () -> 1L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the policy module has no entrypoint mcp/authz/nothing (it has [" + ENTRYPOINT
                        + "]); build it with -e mcp/authz/nothing");
    }

    @Test
    void an_input_the_module_cannot_parse_is_no_decision_and_the_instance_keeps_deciding() throws Exception {
        WasmEvaluator evaluator = new WasmEvaluator(bundle, ENTRYPOINT, 1024, System::currentTimeMillis);

        assertThatThrownBy(() -> evaluator.evaluate("{\"subject\": ".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PolicyUnavailableException.class)
                .hasMessage("policy input is not JSON the Wasm module can read");
        assertThat(result(evaluator.evaluate(JSON.writeValueAsBytes(merge))).has("allow"))
                .isTrue();
    }

    @Test
    void many_large_inputs_keep_deciding_in_bounded_memory_because_the_heap_is_reset() throws Exception {
        // 32 MiB of linear memory: the data and the module's own needs, plus the 16 MiB of growth allowed before a
        // reset. Forty inputs of ~1 MiB each (text and parsed value) would need well over 40 MiB without the reset.
        WasmEvaluator evaluator = new WasmEvaluator(bundle, ENTRYPOINT, 512, System::currentTimeMillis);
        ObjectNode large = merge.deepCopy();
        ArrayNode padding = large.putArray("padding"); // a member no rule reads
        String chunk = "x".repeat(1000);
        for (int i = 0; i < 1000; i++) {
            padding.add(chunk);
        }
        byte[] input = JSON.writeValueAsBytes(large);
        assertThat(input.length).isGreaterThan(1_000_000);

        for (int i = 0; i < 40; i++) {
            assertThat(result(evaluator.evaluate(input)).has("allow"))
                    .as("evaluation %d", i)
                    .isTrue();
        }
    }
}
