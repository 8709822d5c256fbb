package io.mcpguard.proxy.policy;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.styra.opa.wasm.OpaBuiltin;
import com.styra.opa.wasm.OpaWasm;
import com.styra.opa.wasm.OpaWasm_ModuleExports;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * One instance of a compiled policy module with the bundle's data loaded: evaluates one input at a time. Not
 * thread-safe — a Wasm instance has one linear memory and one heap — so {@link WasmPolicyEngine} lends each to one
 * thread at a time.
 *
 * <p>Memory: the data is parsed once; each evaluation parses its input and allocates above it, and the heap is only
 * reset to the mark just after the data once it has grown by {@link #HEAP_RESET_BYTES}. Resetting the heap also drops
 * the module's builtin caches — above all its compiled regular expressions — and recompiling the policy's RE2
 * patterns costs more than the rest of a decision (measured: ~8 ms of CPU per decision when the heap was reset after
 * every evaluation with the repository's former {@code {0,127}} slug pattern, ~0.3 ms with this amortised reset; one
 * thread on a loaded 2-core machine). With the slug's length now counted apart from its pattern a reset after every
 * evaluation still cost ~3 ms against ~0.5 ms amortised (the glob patterns of the grants are compiled to RE2 too), so
 * the reset stays amortised over many decisions.
 *
 * <p>The host builtins are the ones this class implements ({@link #HOST_BUILTINS}); a module asking for any other is
 * refused here, naming it, instead of failing at the first decision that reaches it.
 */
final class WasmEvaluator {
    /** The builtins the module may ask its host for; everything else OPA's Wasm runtime implements itself. */
    static final Set<String> HOST_BUILTINS = Set.of("sprintf", "time.now_ns");

    /**
     * Reads what the module hands the host (builtin arguments, its entrypoint table) and writes builtin results: a plain
     * mapper, not the proxy's exact-number one (big integers for every int), with which the entrypoint ids did not read
     * as ints and {@code policy.engine: wasm} never started.
     */
    private static final ObjectMapper MODULE_JSON = new ObjectMapper();

    private static final int INITIAL_PAGES = 16; // 1 MiB; the module grows it as it allocates
    /** Heap growth after which the next evaluation starts from a fresh heap (see the class comment). */
    static final int HEAP_RESET_BYTES = 16 * 1024 * 1024;

    private final OpaWasm wasm;
    private final OpaWasm_ModuleExports exports;
    private final Memory memory;
    private final int entrypoint;
    private final int dataAddr;
    private final int baseHeap;
    private final LongSupplier clock;
    /** time.now_ns is one value for a whole evaluation in OPA; taken once when the module first asks. */
    private long evaluationNanos;

    /**
     * @param maxPages bound on the instance's linear memory in 64 KiB pages; an input that does not fit fails
     * @param clock nanoseconds since the epoch, for {@code time.now_ns}
     */
    WasmEvaluator(WasmBundle bundle, String entrypointName, int maxPages, LongSupplier clock) {
        this.clock = clock;
        this.memory = new ByteArrayMemory(new MemoryLimits(INITIAL_PAGES, maxPages));
        this.wasm = OpaWasm.builder()
                .withInputStream(new ByteArrayInputStream(bundle.module()))
                .withJsonMapper(MODULE_JSON)
                .withYamlMapper(MODULE_JSON)
                .withMemory(memory)
                .withDefaultBuiltins(false)
                .addBuiltins(
                        OpaBuiltin.from(
                                "sprintf",
                                (instance, format, args) -> TextNode.valueOf(RegoSprintf.format(format, args))),
                        OpaBuiltin.from("time.now_ns", instance -> LongNode.valueOf(now())))
                .build();
        this.exports = wasm.exports();
        Set<String> missing = requiredBuiltins();
        missing.removeAll(HOST_BUILTINS);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the policy uses builtin" + (missing.size() > 1 ? "s " : " ")
                    + String.join(", ", missing) + " which the Wasm engine does not provide"
                    + " (use policy.engine: rest, or keep the policy to portable builtins)");
        }
        this.entrypoint = entrypointId(entrypointName);
        int text = exports.opaMalloc(bundle.data().length);
        memory.write(text, bundle.data());
        this.dataAddr = exports.opaJsonParse(text, bundle.data().length);
        if (dataAddr == 0) {
            throw new IllegalArgumentException("the policy bundle's data.json does not parse in the Wasm module");
        }
        exports.opaFree(text);
        this.baseHeap = exports.opaHeapPtrGet();
    }

    /**
     * Evaluates the entrypoint for one input (JSON, UTF-8) and returns the module's JSON answer, a result set such as
     * {@code [{"result": {...}}]} ({@code []} when the rule is undefined).
     *
     * @throws RuntimeException when the module aborts (a builtin failed, memory ran out)
     */
    String evaluate(byte[] input) {
        if (exports.opaHeapPtrGet() - baseHeap > HEAP_RESET_BYTES) {
            exports.opaHeapPtrSet(baseHeap);
        }
        int text = exports.opaMalloc(input.length);
        memory.write(text, input);
        int inputValue = exports.opaJsonParse(text, input.length);
        if (inputValue == 0) {
            throw new PolicyUnavailableException("policy input is not JSON the Wasm module can read");
        }
        int context = exports.opaEvalCtxNew();
        exports.opaEvalCtxSetData(context, dataAddr);
        exports.opaEvalCtxSetInput(context, inputValue);
        exports.opaEvalCtxSetEntrypoint(context, entrypoint);
        evaluationNanos = 0;
        int code = exports.eval(context);
        if (code != 0) {
            exports.opaHeapPtrSet(baseHeap); // the heap may be inconsistent after a failed evaluation
            throw new PolicyUnavailableException("the Wasm policy failed to evaluate (code " + code + ")");
        }
        int answer = exports.opaJsonDump(exports.opaEvalCtxGetResult(context));
        String json = memory.readCString(answer, StandardCharsets.UTF_8);
        exports.opaFree(answer);
        exports.opaFree(text);
        return json;
    }

    private long now() {
        if (evaluationNanos == 0) {
            evaluationNanos = clock.getAsLong();
        }
        return evaluationNanos;
    }

    private Set<String> requiredBuiltins() {
        return names(exports.builtins());
    }

    private int entrypointId(String name) {
        JsonNode entrypoints = dump(exports.entrypoints());
        JsonNode id = entrypoints.get(name);
        if (id == null || !id.isIntegralNumber() || !id.canConvertToInt()) {
            throw new IllegalArgumentException("the policy module has no entrypoint " + name + " (it has "
                    + names(exports.entrypoints()) + "); build it with -e " + name);
        }
        return id.asInt();
    }

    private Set<String> names(int valueAddr) {
        Set<String> names = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = dump(valueAddr).fields(); it.hasNext(); ) {
            names.add(it.next().getKey());
        }
        return names;
    }

    /** Reads a module value as JSON without freeing it: the module owns the tables these come from. */
    private JsonNode dump(int valueAddr) {
        int text = exports.opaJsonDump(valueAddr);
        try {
            return wasm.jsonMapper().readTree(memory.readCString(text, StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the policy module answers malformed JSON", e);
        } finally {
            exports.opaFree(text);
        }
    }
}
