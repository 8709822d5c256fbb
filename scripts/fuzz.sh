#!/usr/bin/env bash
# Long fuzzing runs of the proxy's parsers and maskers (Jazzer): the @FuzzTest targets `./mvnw verify` fuzzes for
# 10 s each with only our classes instrumented, here with Jackson, SnakeYAML and RE2/J instrumented too. Prints
# libFuzzer's progress, then per target the executions, executions per second and the findings; exits non-zero
# when a target found something.
#
#   scripts/fuzz.sh [seconds-per-target] [target]     e.g. scripts/fuzz.sh 600 decoder
#
# Targets: decoder, sse, json-masker, text-masker, config (default: all, one after the other).
# Findings (crash-*, the input that failed) are written to proxy/target/fuzz/<target>/; to keep one as a
# regression test, copy it into the target's *FuzzTestInputs/<method>/ directory under proxy/src/test/resources
# (regression mode runs every file there with the unit tests) and fix the code. The growing corpus is kept in
# proxy/target/fuzz/<target>/corpus between runs; an earlier run's findings move to <target>/earlier/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
only=${2:-all}

declare -A TARGETS=(
  [decoder]="io.mcpguard.proxy.jsonrpc.JsonRpcDecoderFuzzTest decoded_or_refused_cleanly"
  [sse]="io.mcpguard.proxy.forward.SseEventDecoderFuzzTest events_do_not_depend_on_how_the_stream_is_cut"
  [json-masker]="io.mcpguard.proxy.mask.JsonMaskerFuzzTest no_planted_secret_survives_and_the_shape_holds"
  [text-masker]="io.mcpguard.proxy.mask.TextMaskerFuzzTest text_masking_hides_planted_secrets_and_adds_no_json_syntax"
  [config]="io.mcpguard.proxy.config.ProxyConfigFuzzTest bad_configs_fail_with_a_config_exception_that_names_no_secret"
)
ORDER=(decoder sse json-masker text-masker config)
if [[ $only != all ]]; then
  [[ -n ${TARGETS[$only]:-} ]] || { echo "fuzz.sh: unknown target '$only' (one of: ${ORDER[*]})" >&2; exit 2; }
  ORDER=("$only")
fi

./mvnw -q -B -pl proxy test-compile -Dspotless.check.skip=true
./mvnw -q -B -pl proxy dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz.classpath >/dev/null
root=$PWD
classpath="$root/proxy/target/test-classes:$root/proxy/target/classes:$(cat proxy/target/fuzz.classpath)"

summary=()
failed=0
for name in "${ORDER[@]}"; do
  read -r class method <<<"${TARGETS[$name]}"
  out=proxy/target/fuzz/$name
  mkdir -p "$out/corpus" "$out/earlier"
  find "$out" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) -exec mv {} "$out/earlier/" \;
  echo "fuzz.sh: $name ($class#$method) for ${seconds}s" >&2
  set +e
  # Instrument our code and the parsers it drives (Jackson, SnakeYAML, RE2/J), not only the target's package.
  (cd "$out" && java -Xmx2g \
    -Djazzer.instrumentation_includes='io.mcpguard.**:com.fasterxml.jackson.**:org.yaml.snakeyaml.**:com.google.re2j.**' \
    -Dlogback.configurationFile=/dev/null \
    -cp "$classpath" com.code_intelligence.jazzer.Jazzer \
    --target_class="$class" --target_method="$method" \
    -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$root/$out/" corpus) 2>&1 |
    grep -v -E '^INFO: (Loaded|Instrumented) ' | tee "$out/run.log"
  rc=${PIPESTATUS[0]}
  set -e
  runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$out/run.log" | awk '{print $2}' | tail -1)
  took=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$out/run.log" | awk '{print $5}' | tail -1)
  findings=$(find "$out" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  rate=n/a
  [[ -n ${runs:-} && -n ${took:-} && ${took:-0} -gt 0 ]] && rate=$((runs / took))
  note=""
  # libFuzzer counts the time from the start: the first inputs load and instrument the classes they reach, which
  # on a loaded machine can take most of a short run.
  [[ ${runs:-0} -lt 1000 ]] && note=" — the seeds alone took most of the time; run longer"
  summary+=("$(printf '%-12s executions %-9s exec/s %-7s findings %s (exit %s)%s' "$name" "${runs:-?}" "$rate" "$findings" "$rc" "$note")")
  [[ $rc -eq 0 && $findings -eq 0 ]] || failed=1
done

echo
echo "fuzz.sh summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
[[ $failed -eq 0 ]] || echo "  findings are in proxy/target/fuzz/<target>/ (crash-*, with the failing assertion above)"
exit $failed
