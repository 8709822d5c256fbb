#!/usr/bin/env bash
# Throughput of the proxy beside an nginx hop, in one run on this machine (loopback):
#   direct           wrk -> nginx upstream answering a fixed MCP tools/call result (zero work)
#   nginx hop        wrk -> nginx (proxy_pass, keep-alive) -> the same upstream
#   proxy ...        wrk -> mcpguard (API key, policy engine wasm or rest, masking, audit) -> the same upstream
#                    cache-hit: identical calls; cache-miss: different arguments on every call (a Lua script)
#                    audit on: spooled to disk and exported over OTLP to a real OpenTelemetry Collector
# prints req/s, p50, p99 and the ratio to the nginx hop; then a fixed-rate run (an open-loop Java driver, since
# Debian has no wrk2) at RATE calls/s with different arguments, printing what the proxy adds to p50/p99 against
# direct; then the proxy's RSS.
#
#   scripts/bench-throughput.sh [duration (10s)] [connections (16)]
#   WARMUP=15s RATE=1000 RATE_SECONDS=20 ENGINES="wasm rest" PROXY_JAVA_OPTS=... JFR=1 (profile the wasm+audit rows)
#
# Needs nginx and wrk (Debian packages): installed with apt-get when missing and run as root, else it says how.
# The numbers depend on the machine and its load: the script prints uptime beside every row; compare rows of one run.
set -euo pipefail
cd "$(dirname "$0")/.."
readonly ROOT=$PWD
readonly DURATION=${1:-10s}
readonly CONNECTIONS=${2:-16}
readonly THREADS=${THREADS:-2}
# Each row is first run unmeasured this long: the JIT needs it, the Wasm policy path above all (a loaded box: longer).
readonly WARMUP=${WARMUP:-15s}
readonly RATE=${RATE:-1000}
readonly RATE_SECONDS=${RATE_SECONDS:-20}
readonly ENGINES=${ENGINES:-wasm rest}
readonly UPSTREAM_PORT=${UPSTREAM_PORT:-18080}
readonly HOP_PORT=${HOP_PORT:-18081}
readonly PROXY_PORT=${PROXY_PORT:-18443}
readonly OPA_PORT=${OPA_PORT:-18181}
readonly OTLP_PORT=${OTLP_PORT:-14318}
# As in a container with a 512 MiB limit: the heap follows the limit (docker/java/Dockerfile has the same flags);
# with that little memory the JVM also picks the serial collector, as it does in such a container.
readonly PROXY_JAVA_OPTS=${PROXY_JAVA_OPTS:--XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError}
readonly WORK=$ROOT/target/bench-throughput
readonly VERSION=0.1.0-SNAPSHOT
readonly PROXY_JAR=$ROOT/proxy/target/proxy-$VERSION.jar

log() { printf 'bench-throughput: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

need_packages() {
  local missing=()
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
  command -v wrk >/dev/null || missing+=(wrk)
  ((${#missing[@]} == 0)) && return 0
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]} (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    die "needs ${missing[*]}: sudo apt-get install ${missing[*]}"
  fi
}
need_packages
readonly NGINX=$(command -v nginx || echo /usr/sbin/nginx)

pids=()
proxy_pid=
cleanup() {
  [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f $WORK/nginx/nginx.pid ]] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$UPSTREAM_PORT" "$HOP_PORT" "$PROXY_PORT" "$OPA_PORT" "$OTLP_PORT"; do
  port_free "$port" || die "port $port is in use; set UPSTREAM_PORT, HOP_PORT, PROXY_PORT, OPA_PORT or OTLP_PORT"
done

wait_for() {
  local name=$1 url=$2 expected=${3:-} status
  for _ in $(seq 1 300); do
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
    if [[ $status != 000 && (-z $expected || $status == "$expected") ]]; then return 0; fi
    sleep 0.2
  done
  die "$name did not come up at $url; see $WORK/$name.log"
}

log "building the proxy (tests skipped)"
./mvnw -q -B -pl proxy -am -DskipTests -Dspotless.check.skip=true install
opa=$(scripts/tools.sh opa | tail -1)
otelcol=$(scripts/tools.sh otelcol | tail -1)
rm -rf "$WORK"
mkdir -p "$WORK/nginx" "$WORK/policies"

# The repository's policies with the read quota lifted: this measures the path, not the throttle.
cp -r policies/mcp "$WORK/policies/"
find "$WORK/policies" -name '*_test.rego' -delete
python3 - "$WORK/policies/mcp/quota/data.json" <<'PY'
import json, sys
path = sys.argv[1]
data = json.load(open(path))
data["limits"]["viewer"]["read"] = 1_000_000_000
json.dump(data, open(path, "w"))
PY
scripts/build-wasm-bundle.sh "$WORK/policies" "$WORK/bundle.tar.gz" >/dev/null

# nginx: the zero-work upstream (a fixed JSON-RPC result) and one keep-alive hop in front of it.
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 1000000;
  upstream mcp { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$UPSTREAM_PORT;
    location = /mcp {
      default_type application/json;
      return 200 '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"repository acme/api: the payments API, default branch main, 42 open pull requests, last pushed by a developer of acme"}],"isError":false}}';
    }
  }
  server {
    listen 127.0.0.1:$HOP_PORT;
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log"
wait_for nginx "http://127.0.0.1:$HOP_PORT/mcp" 200

"$opa" run --server --addr "127.0.0.1:$OPA_PORT" --log-level error --bundle "$WORK/policies" >"$WORK/opa.log" 2>&1 &
pids+=($!)
wait_for opa "http://127.0.0.1:$OPA_PORT/health?bundles" 200

cat >"$WORK/otelcol.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$OTLP_PORT
exporters:
  debug:
    verbosity: basic
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
YAML
"$otelcol" --config "file:$WORK/otelcol.yaml" >"$WORK/otelcol.log" 2>&1 &
pids+=($!)
wait_for otelcol "http://127.0.0.1:$OTLP_PORT/v1/traces" 405

head -c 32 /dev/urandom | base64 >"$WORK/audit-subject.key"
PROXY_KEY=$(java -cp "$PROXY_JAR" io.mcpguard.proxy.auth.ApiKeyTool bench bench-user 'viewer@acme/*' 2>"$WORK/api-keys.yaml")
sed -i '/^Picked up JAVA_TOOL_OPTIONS/d' "$WORK/api-keys.yaml"
readonly PROXY_KEY

# start_proxy ENGINE AUDIT: the proxy with its full pipeline in front of the nginx upstream.
start_proxy() {
  local engine=$1 audit=$2 jfr=()
  [[ ${JFR:-} == 1 && $engine == wasm ]] && jfr=("-XX:StartFlightRecording=filename=$WORK/proxy-$engine-audit-$audit.jfr,settings=profile")
  # shellcheck disable=SC2086 # PROXY_JAVA_OPTS is a list of flags
  MCPGUARD_LISTEN_PORT=$PROXY_PORT \
    MCPGUARD_UPSTREAM_URL="http://127.0.0.1:$UPSTREAM_PORT/mcp" \
    MCPGUARD_OPA_URL="http://127.0.0.1:$OPA_PORT" \
    MCPGUARD_POLICY_ENGINE=$engine \
    MCPGUARD_POLICY_WASM_BUNDLE="$WORK/bundle.tar.gz" \
    MCPGUARD_AUTH_RESOURCE="http://127.0.0.1:$PROXY_PORT/mcp" \
    MCPGUARD_AUTH_API_KEYS_FILE="$WORK/api-keys.yaml" \
    MCPGUARD_AUDIT_ENABLED=$audit \
    MCPGUARD_AUDIT_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT" \
    MCPGUARD_AUDIT_SPOOL_DIR="$WORK/audit-spool" \
    MCPGUARD_AUDIT_SUBJECT_HASH_KEY_FILE="$WORK/audit-subject.key" \
    MCPGUARD_BUDGETS_PER_SUBJECT_IN_FLIGHT=${subject_in_flight:-32} \
    MCPGUARD_BUDGETS_PER_SUBJECT_DECISIONS=${subject_decisions:-16} \
    MCPGUARD_BUDGETS_PER_ADDRESS_CONNECTIONS=${address_connections:-1000} \
    MCPGUARD_LOG_LEVEL=WARN OTEL_METRICS_EXPORTER=none \
    java $PROXY_JAVA_OPTS "${jfr[@]}" -jar "$PROXY_JAR" proxy/src/main/resources/mcpguard.example.yaml \
    >"$WORK/proxy-$engine-$audit.log" 2>&1 &
  proxy_pid=$!
  wait_for "proxy-$engine-$audit" "http://127.0.0.1:$PROXY_PORT/healthz" 200
  # One call that must be allowed and answered, or the rows would measure denials.
  local answer
  answer=$(curl -s "http://127.0.0.1:$PROXY_PORT/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-11-25' \
    -H "Authorization: Bearer $PROXY_KEY" \
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_repository","arguments":{"workspace":"acme","repo":"api"}}}')
  [[ $answer == *'"result"'* ]] || die "the proxy ($engine, audit $audit) did not answer a result: $answer"
}

stop_proxy() {
  kill "$proxy_pid" 2>/dev/null || true
  wait "$proxy_pid" 2>/dev/null || true
  proxy_pid=
}

hop_rps=
rows=()
# run_row NAME PORT [distinct] [key]: an unmeasured warm-up of WARMUP, then the measured run.
run_row() {
  local name=$1 port=$2 distinct=${3:-0} key=${4:-} line load
  DISTINCT=$distinct API_KEY=$key wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s scripts/bench-throughput.lua \
    "http://127.0.0.1:$port/mcp" >/dev/null
  load=$(uptime | sed 's/.*load average: //')
  line=$(DISTINCT=$distinct API_KEY=$key CHECK=1 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
    -s scripts/bench-throughput.lua "http://127.0.0.1:$port/mcp" | grep '^RESULT')
  read -r _ rps p50 p99 errors non2xx bad <<<"$line"
  ((errors + non2xx + bad == 0)) || die "$name: $errors socket errors, $non2xx non-2xx, $bad answers not a result"
  [[ $name == "nginx hop" ]] && hop_rps=$rps
  local ratio=-
  [[ -n $hop_rps ]] && ratio=$(awk -v a="$rps" -v b="$hop_rps" 'BEGIN { printf "%.2f", a / b }')
  rows+=("$(printf '%-34s %9s %9.2f %9.2f %7s   %s' "$name" "$rps" "$(awk -v v="$p50" 'BEGIN{print v/1000}')" \
    "$(awk -v v="$p99" 'BEGIN{print v/1000}')" "$ratio" "$load")")
  log "${rows[-1]}"
}

log "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per row, tools/call get_repository"
run_row "direct (nginx upstream)" "$UPSTREAM_PORT"
run_row "nginx hop" "$HOP_PORT"
for engine in $ENGINES; do
  for audit in true false; do
    start_proxy "$engine" "$audit"
    label="proxy $engine, audit $([[ $audit == true ]] && echo on || echo off)"
    run_row "$label, cache-hit" "$PROXY_PORT" 0 "$PROXY_KEY"
    run_row "$label, cache-miss" "$PROXY_PORT" 1 "$PROXY_KEY"
    stop_proxy
  done
done

# Fixed rate, distinct arguments, full pipeline (wasm engine, audit on): added latency against direct, then RSS.
# The fixed-rate driver is one subject standing for the many clients of a deployment: at 1 000 calls a second, any
# stall of a few tens of milliseconds puts more than one subject's budget (32 in flight, 16 deciding) in flight, and
# the proxy rightly refuses them (-32013); its HTTP client, from one address, also opens more connections than one
# address may hold (1 000, closed at once). The run measures latency at that rate, so those budgets are lifted.
subject_in_flight=4096 subject_decisions=4096 address_connections=100000
start_proxy wasm true
subject_in_flight= subject_decisions= address_connections=
# A fresh proxy's Wasm policy runs interpreted-slow until the JIT has compiled it: decisions then pile up past the
# subject's budget (-32013) and the fixed-rate run would measure the warm-up. Warm it as the rows above were.
DISTINCT=1 API_KEY=$PROXY_KEY wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s scripts/bench-throughput.lua \
  "http://127.0.0.1:$PROXY_PORT/mcp" >/dev/null
rate_out=$(./mvnw -q -B -pl proxy exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=io.mcpguard.proxy.bench.FixedRateDriver \
  -Ddirect="http://127.0.0.1:$UPSTREAM_PORT/mcp" -Dproxy="http://127.0.0.1:$PROXY_PORT/mcp" \
  -DapiKey="$PROXY_KEY" -Drate="$RATE" -Dseconds="$RATE_SECONDS" 2>&1) || die "fixed-rate run failed: $rate_out"
rate_load=$(uptime | sed 's/.*load average: //')
rss_kib=$(ps -o rss= -p "$proxy_pid" | tr -d ' ')
spool_left=$(du -sk "$WORK/audit-spool" | cut -f1)
stop_proxy

cat <<TEXT

mcpguard throughput, $(nproc) cores, $(uname -m), $(date -u '+%Y-%m-%d %H:%M UTC'); wrk -t$THREADS -c$CONNECTIONS -d$DURATION
proxy JVM: $PROXY_JAVA_OPTS
$(printf '%-34s %9s %9s %9s %7s   %s' path req/s "p50 ms" "p99 ms" "/hop" "load (1, 5, 15 min)")
$(printf '%s\n' "${rows[@]}")
$(grep -v '^\[' <<<"$rate_out" | sed '/^$/d')
fixed-rate load: $rate_load
proxy RSS after the fixed-rate run (wasm, audit on): $((rss_kib / 1024)) MiB; audit spool left: ${spool_left} KiB
TEXT
