#!/usr/bin/env bash
# Soak run against the demo stack (scripts/demo.sh): mixed traffic at a fixed rate for a while — allowed, listed,
# denied, masked, streamed and hostile calls (malformed JSON, oversize bodies, bad tokens), each checked for the
# answer it should get (proxy/src/test/java/io/mcpguard/proxy/bench/SoakDriver.java) — while OPA is restarted at a
# third of the run and the OpenTelemetry Collector at two thirds. Prints the traffic per interval, the unexpected
# answers by kind, the proxy's heap and RSS over time, and the audit spans the collector received (by name) against
# the calls sent (by kind). A driver, not a test: it fails only when the stack or the driver cannot start.
#
#   scripts/soak.sh [duration] [calls-per-second]   duration: 90s, 2m, 30m (default 2m, a smoke); rate default 20
#
# The README's figures come from `scripts/soak.sh 30m`. The demo's viewer key may make 600 reads a minute
# (policies/mcp/quota/data.json); at 20 calls/s the mix sends about 510, so a higher rate measures the quota.
# The stack runs on its own ports (SOAK_PORT_BASE, default 20000: sandbox +7990, core +8080, OPA +8181,
# proxy +8443, OTLP +4318, Jaeger +6686/+4328), so it can run beside a demo; logs in target/demo and target/soak.
set -euo pipefail
cd "$(dirname "$0")/.."
readonly ROOT=$PWD
duration=${1:-2m}
rate=${2:-20}
case $duration in
  *[0-9]s) seconds=${duration%s} ;;
  *[0-9]m) seconds=$((${duration%m} * 60)) ;;
  *[0-9]h) seconds=$((${duration%h} * 3600)) ;;
  *) seconds=$duration ;;
esac
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 30 ]] || { echo "soak.sh: duration '$duration' is not 30s or more (90s, 2m, 30m)" >&2; exit 2; }
[[ $rate =~ ^[0-9]+$ && $rate -ge 1 ]] || { echo "soak.sh: rate '$rate' is no positive number of calls per second" >&2; exit 2; }
interval=$((seconds >= 600 ? 60 : 15))
base=${SOAK_PORT_BASE:-20000}
export SANDBOX_PORT=$((base + 7990)) CORE_PORT=$((base + 8080)) OPA_PORT=$((base + 8181)) PROXY_PORT=$((base + 8443))
export OTLP_PORT=$((base + 4318)) JAEGER_UI_PORT=$((base + 6686)) JAEGER_OTLP_PORT=$((base + 4328))
readonly LOGS=$ROOT/target/demo
readonly OUT=$ROOT/target/soak
rm -rf "$OUT"
mkdir -p "$OUT"

log() { printf 'soak: %s\n' "$*" >&2; }

ours=() # processes this script started (the demo, the restarted OPA and collector, the sampler, the driver)
cleanup() {
  for pid in "${ours[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# The driver's classpath first: the demo builds with tests skipped, the driver is a test class.
log "compiling the driver"
./mvnw -q -B -pl proxy -am test-compile -Dspotless.check.skip=true
./mvnw -q -B -pl proxy dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/driver.classpath" >/dev/null
classpath="$ROOT/proxy/target/test-classes:$ROOT/proxy/target/classes:$(cat "$OUT/driver.classpath")"

log "starting the demo stack (scripts/demo.sh; it builds first)"
scripts/demo.sh >"$OUT/demo.out" 2>"$OUT/demo.err" &
ours+=($!)
for _ in $(seq 1 900); do
  grep -q 'mcpguard demo is running' "$OUT/demo.out" 2>/dev/null && break
  kill -0 "${ours[0]}" 2>/dev/null || { cat "$OUT/demo.err" >&2; log "the demo stack did not start"; exit 1; }
  sleep 1
done
grep -q 'mcpguard demo is running' "$OUT/demo.out" || { log "the demo stack did not start in 15 min"; exit 1; }
api_key=$(grep -o "Bearer [^']*" "$OUT/demo.out" | head -1 | cut -d' ' -f2)
[[ -n $api_key ]] || { log "no API key in the demo's output"; exit 1; }
proxy_pid=$(cat "$LOGS/proxy.pid")
opa=$(scripts/tools.sh opa)
otelcol=$(scripts/tools.sh otelcol)

# Heap (used and committed, as jstat sees it) and RSS of the proxy, every interval.
(
  printf 't(s)\theap-used(MiB)\theap-committed(MiB)\trss(MiB)\n'
  start=$SECONDS
  while kill -0 "$proxy_pid" 2>/dev/null; do
    heap=$(jstat -gc "$proxy_pid" 2>/dev/null | awk 'NR==2 {printf "%.0f\t%.0f", ($3+$4+$6+$8)/1024, ($1+$2+$5+$7)/1024}')
    rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$proxy_pid/status" 2>/dev/null)
    printf '%s\t%s\t%s\n' "$((SECONDS - start))" "${heap:-?	?}" "${rss:-?}"
    sleep "$interval"
  done
) >"$OUT/memory.tsv" &
ours+=($!)

log "driving $rate calls/s for ${seconds}s against http://127.0.0.1:$PROXY_PORT/mcp"
: >"$OUT/driver.out" # exists before tail follows it
java -Xmx512m -cp "$classpath" -Dlogback.configurationFile=/dev/null \
  -Durl="http://127.0.0.1:$PROXY_PORT/mcp" -DapiKey="$api_key" -Dseconds="$seconds" -Drate="$rate" \
  -Dinterval="$interval" io.mcpguard.proxy.bench.SoakDriver >"$OUT/driver.out" 2>"$OUT/driver.err" &
driver=$!
ours+=($driver)
tail -f "$OUT/driver.out" --pid "$driver" &
ours+=($!)

# restart NAME PIDFILE WAIT_URL EXPECTED_STATUS COMMAND...: stop the running one, start it again (its log appended).
restart() {
  local name=$1 pidfile=$2 url=$3 expected=$4
  shift 4
  echo "soak: restarting $name (pid $(cat "$pidfile")) at $((SECONDS - soak_start))s" | tee -a "$OUT/restarts.txt" >&2
  kill "$(cat "$pidfile")" 2>/dev/null || true
  sleep 3
  "$@" >>"$LOGS/$name.log" 2>&1 &
  echo $! >"$pidfile"
  ours+=($!)
  for _ in $(seq 1 150); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true) == "$expected" ]] && break
    sleep 0.2
  done
  echo "soak: $name is back at $((SECONDS - soak_start))s" | tee -a "$OUT/restarts.txt" >&2
}
for _ in $(seq 1 600); do
  grep -q 'soak: t(s)' "$OUT/driver.out" 2>/dev/null && break
  kill -0 "$driver" 2>/dev/null || { cat "$OUT/driver.err" >&2; log "the driver did not start"; exit 1; }
  sleep 0.5
done
soak_start=$SECONDS
sleep $((seconds / 3))
restart opa "$LOGS/opa.pid" "http://127.0.0.1:$OPA_PORT/health?bundles" 200 \
  "$opa" run --server --addr "127.0.0.1:$OPA_PORT" --log-level error --set decision_logs.console=true --bundle policies
wait_more=$((2 * seconds / 3 - (SECONDS - soak_start)))
((wait_more > 0)) && sleep "$wait_more"
restart otelcol "$LOGS/otelcol.pid" "http://127.0.0.1:$OTLP_PORT/v1/traces" 405 \
  "$otelcol" --config "file:$LOGS/otelcol.yaml"
wait "$driver" || log "the driver exited with $? (see $OUT/driver.err)"
sleep 10 # the proxy's batch processor sends every 500 ms; the spool drains what waited for the collector

echo
echo "soak: proxy heap and RSS over time (MiB):"
column -t -s $'\t' "$OUT/memory.tsv" | sed 's/^/soak:   /'
# Spans as the collector's debug exporter printed them: "Name : ..." then "Kind : Server|Client".
echo "soak: audit spans the collector received, by name and kind:"
awk '/^ +Name +: / {sub(/^ +Name +: /, ""); name = $0} /^ +Kind +: / {sub(/^ +Kind +: /, ""); print name " (" $0 ")"}' \
  "$LOGS/otelcol.log" | sort | uniq -c | sort -rn | sed 's/^/soak:   /'
received=$(grep -cE '^Span #[0-9]+' "$LOGS/otelcol.log" || true)
expected=$(grep -oE 'soak: audit spans expected [0-9]+' "$OUT/driver.out" | awk '{print $5}')
share=$(grep -oE 'soak: plus up to [0-9]+' "$OUT/driver.out" | awk '{print $5}')
echo "soak: audit spans: expected ${expected:-?} (a server span per message, a client span per forwarded one)" \
  "plus up to ${share:-?} for refusals before authentication, received $received"
if [[ -n $expected && -n $share ]] && ((received < expected || received > expected + share)); then
  echo "soak: audit spans missing or extra: received $received, expected $expected to $((expected + share))"
fi
cat "$OUT/restarts.txt"
echo "soak: logs in $LOGS and $OUT"
