#!/usr/bin/env bash
# The demo stack on loopback: a sandbox Bitbucket, bitbucket-mcp-core in front of it, OPA with
# policies/, an OpenTelemetry Collector printing the audit trail, and the mcpguard proxy in front
# of the core. Prints the proxy URL and client commands that work, then runs until Ctrl-C.
#
#   scripts/demo.sh           run the stack
#   scripts/demo.sh --smoke   run the stack, run the printed client commands, check them, stop
#
# Ports: SANDBOX_PORT (7990), CORE_PORT (8080), OPA_PORT (8181), PROXY_PORT (8443), OTLP_PORT (4318),
# JAEGER_UI_PORT (16686; Jaeger's OTLP receiver takes JAEGER_OTLP_PORT, 4328).
set -euo pipefail
cd "$(dirname "$0")/.."
readonly ROOT=$PWD
readonly SANDBOX_PORT=${SANDBOX_PORT:-7990}
readonly CORE_PORT=${CORE_PORT:-8080}
readonly OPA_PORT=${OPA_PORT:-8181}
readonly PROXY_PORT=${PROXY_PORT:-8443}
readonly OTLP_PORT=${OTLP_PORT:-4318}
readonly JAEGER_UI_PORT=${JAEGER_UI_PORT:-16686}
readonly JAEGER_OTLP_PORT=${JAEGER_OTLP_PORT:-4328}
readonly LOGS=$ROOT/target/demo
readonly VERSION=0.1.0-SNAPSHOT

smoke=false
[[ ${1:-} == --smoke ]] && smoke=true

log() { printf 'demo: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# wait_for NAME URL [EXPECTED_STATUS]: polls until the URL answers (any status, or the expected one).
wait_for() {
  local name=$1 url=$2 expected=${3:-} status
  for _ in $(seq 1 300); do
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
    if [[ $status != 000 && (-z $expected || $status == "$expected") ]]; then
      log "$name is up ($url)"
      return 0
    fi
    sleep 0.2
  done
  die "$name did not come up at $url; see $LOGS/$name.log"
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

for port in "$SANDBOX_PORT" "$CORE_PORT" "$OPA_PORT" "$PROXY_PORT" "$OTLP_PORT" "$JAEGER_UI_PORT" "$JAEGER_OTLP_PORT"; do
  port_free "$port" || die "port $port is in use; set SANDBOX_PORT, CORE_PORT, OPA_PORT, PROXY_PORT, OTLP_PORT, JAEGER_UI_PORT or JAEGER_OTLP_PORT"
done

log "building (./mvnw package, tests skipped)"
./mvnw -q -B -DskipTests package
opa=$(scripts/tools.sh opa)
otelcol=$(scripts/tools.sh otelcol)
jaeger=$(scripts/tools.sh jaeger)
rm -rf "$LOGS"
mkdir -p "$LOGS"

java -jar "bitbucket-sandbox/target/bitbucket-sandbox-$VERSION.jar" --port "$SANDBOX_PORT" \
  >"$LOGS/sandbox.log" 2>&1 &
pids+=($!)
wait_for sandbox "http://127.0.0.1:$SANDBOX_PORT/2.0/user" 401

# The core offers every tool, merges included: what a client may do is the policy's call, not the core's.
BITBUCKET_URL="http://127.0.0.1:$SANDBOX_PORT/2.0" \
  BITBUCKET_EMAIL=demo@example.com BITBUCKET_API_TOKEN=sandbox-demo-api-token \
  BITBUCKET_ENABLE_WRITES=true BITBUCKET_ENABLE_DANGEROUS=true \
  java -jar "bitbucket-mcp-core/target/bitbucket-mcp-core-$VERSION.jar" --http --port "$CORE_PORT" \
  >"$LOGS/core.log" 2>&1 &
pids+=($!)
wait_for core "http://127.0.0.1:$CORE_PORT/mcp"

"$opa" run --server --addr "127.0.0.1:$OPA_PORT" --log-level error \
  --set decision_logs.console=true --bundle policies >"$LOGS/opa.log" 2>&1 &
pids+=($!)
echo $! >"$LOGS/opa.pid" # scripts/soak.sh restarts it / samples its memory
wait_for opa "http://127.0.0.1:$OPA_PORT/health?bundles" 200

# Jaeger v2, in memory: the collector forwards the audit trail to it, for a look at the traces in its UI.
cat >"$LOGS/jaeger.yaml" <<YAML
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:$JAEGER_UI_PORT
    grpc:
      endpoint: 127.0.0.1:0
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$JAEGER_OTLP_PORT
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
YAML
"$jaeger" --config "file:$LOGS/jaeger.yaml" >"$LOGS/jaeger.log" 2>&1 &
pids+=($!)
wait_for jaeger "http://127.0.0.1:$JAEGER_UI_PORT/api/services" 200

# The audit trail (on by default) goes over OTLP to a collector that prints every span in full.
cat >"$LOGS/otelcol.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$OTLP_PORT
exporters:
  debug:
    verbosity: detailed
  otlp_http/jaeger:
    endpoint: http://127.0.0.1:$JAEGER_OTLP_PORT
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug, otlp_http/jaeger]
YAML
"$otelcol" --config "file:$LOGS/otelcol.yaml" >"$LOGS/otelcol.log" 2>&1 &
pids+=($!)
echo $! >"$LOGS/otelcol.pid" # scripts/soak.sh restarts it / samples its memory
wait_for otelcol "http://127.0.0.1:$OTLP_PORT/v1/traces" 405
# Subject ids in the trail are pseudonymised with a key of this demo (HMAC-SHA256).
head -c 32 /dev/urandom | base64 >"$LOGS/audit-subject.key"

# Authentication is required (the default): the demo client is a service account, a viewer of workspace
# acme, with an API key made here. The key goes to the client only; the proxy's key file holds its hash.
readonly PROXY_JAR="proxy/target/proxy-$VERSION.jar"
API_KEY=$(java -cp "$PROXY_JAR" io.mcpguard.proxy.auth.ApiKeyTool demo demo-user 'viewer@acme/*' 2>"$LOGS/api-keys.yaml")
readonly API_KEY

MCPGUARD_LISTEN_PORT=$PROXY_PORT \
  MCPGUARD_UPSTREAM_URL="http://127.0.0.1:$CORE_PORT/mcp" \
  MCPGUARD_OPA_URL="http://127.0.0.1:$OPA_PORT" \
  MCPGUARD_AUTH_RESOURCE="http://127.0.0.1:$PROXY_PORT/mcp" \
  MCPGUARD_AUTH_API_KEYS_FILE="$LOGS/api-keys.yaml" \
  MCPGUARD_AUDIT_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT" \
  MCPGUARD_AUDIT_SPOOL_DIR="$LOGS/audit-spool" \
  MCPGUARD_AUDIT_SUBJECT_HASH_KEY_FILE="$LOGS/audit-subject.key" \
  OTEL_BSP_SCHEDULE_DELAY=500 OTEL_METRICS_EXPORTER=none \
  java -jar "$PROXY_JAR" proxy/src/main/resources/mcpguard.example.yaml \
  >"$LOGS/proxy.log" 2>&1 &
pids+=($!)
echo $! >"$LOGS/proxy.pid" # scripts/soak.sh samples its memory
wait_for proxy "http://127.0.0.1:$PROXY_PORT/healthz" 200

inspector=$(scripts/tools.sh inspector)
readonly URL="http://127.0.0.1:$PROXY_PORT/mcp"
readonly CLIENT="MCP_INSPECTOR_SECRET_STORE=memory $inspector --cli --server-url $URL --transport http --header 'Authorization: Bearer $API_KEY'"
cat <<TEXT

  mcpguard demo is running (logs in $LOGS)
    proxy (clients use this)   $URL
    bitbucket-mcp-core         http://127.0.0.1:$CORE_PORT/mcp
    OPA                        http://127.0.0.1:$OPA_PORT   (policies/, decision log in opa.log)
    audit trail (OTLP)         http://127.0.0.1:$OTLP_PORT  (every span printed in otelcol.log)
    traces (Jaeger UI)         http://127.0.0.1:$JAEGER_UI_PORT  (service mcpguard-proxy)
    sandbox Bitbucket          http://127.0.0.1:$SANDBOX_PORT/2.0

  Try, in another shell:
    $CLIENT --method tools/list
    $CLIENT --method tools/call --tool-name get_repository --tool-arg workspace=acme --tool-arg repo=payments-api
    $CLIENT --method tools/call --tool-name get_file_content --tool-arg workspace=acme --tool-arg repo=payments-api --tool-arg path=config/application-prod.yml
      (the file holds a planted AWS key pair, a private key and a database password: they arrive [REDACTED:…])
    $CLIENT --method tools/call --tool-name get_repository --tool-arg workspace=globex --tool-arg repo=payments-api
      (denied: the demo key is a viewer of workspace acme only; tools/list hides what it may not call,
       merges included, although the core offers every tool)

TEXT

if ! $smoke; then
  log "Ctrl-C stops everything"
  wait
  exit 0
fi

run_client() {
  MCP_INSPECTOR_SECRET_STORE=memory "$inspector" --cli --server-url "$URL" --transport http --format json \
    --header "Authorization: Bearer $API_KEY" "$@"
}
log "smoke: no credential is refused"
if MCP_INSPECTOR_SECRET_STORE=memory "$inspector" --cli --server-url "$URL" --transport http --format json \
  --method tools/list >/dev/null 2>&1; then
  die "tools/list without a credential was not refused"
fi
log "smoke: tools/list"
listed=$(run_client --method tools/list)
grep -q '"get_repository"' <<<"$listed" || die "tools/list through the proxy failed"
if grep -q '"merge_pull_request"' <<<"$listed"; then die "tools/list showed a tool the policy hides"; fi
log "smoke: allowed get_repository"
run_client --method tools/call --tool-name get_repository --tool-arg workspace=acme \
  --tool-arg repo=payments-api | grep -q 'payments-api' || die "allowed call through the proxy failed"
log "smoke: secrets masked in a file read"
config=$(run_client --method tools/call --tool-name get_file_content --tool-arg workspace=acme \
  --tool-arg repo=payments-api --tool-arg path=config/application-prod.yml)
grep -q 'REDACTED:aws-access-key' <<<"$config" || die "the planted AWS key was not masked: $config"
if grep -q 'AKIAIMJFOP3TFK2KBRYS' <<<"$config"; then die "a planted secret reached the client"; fi
log "smoke: denied get_repository in another workspace"
if denied=$(run_client --method tools/call --tool-name get_repository --tool-arg workspace=globex \
  --tool-arg repo=payments-api 2>&1); then
  die "get_repository in workspace globex was not denied: $denied"
fi
grep -q 'Denied by policy' <<<"$denied" || die "get_repository in globex failed, but not by policy: $denied"
log "smoke: the audit trail has the denial, and no planted secret"
for _ in $(seq 1 100); do
  grep -q 'mcp.policy.outcome: Str(deny)' "$LOGS/otelcol.log" && break
  sleep 0.2
done
grep -q 'Name           : tools/call get_repository' "$LOGS/otelcol.log" ||
  die "no tools/call span reached the collector; see $LOGS/otelcol.log and $LOGS/proxy.log"
grep -q 'mcp.policy.outcome: Str(deny)' "$LOGS/otelcol.log" || die "the denied call has no audit span"
grep -q 'mcp.policy.masked.secrets: Int(' "$LOGS/otelcol.log" || die "the masked file read has no masked counts"
for _ in $(seq 1 100); do
  curl -s "http://127.0.0.1:$JAEGER_UI_PORT/api/services" | grep -q mcpguard-proxy && break
  sleep 0.2
done
curl -s "http://127.0.0.1:$JAEGER_UI_PORT/api/services" | grep -q mcpguard-proxy ||
  die "the audit trail did not reach Jaeger; see $LOGS/jaeger.log"
for planted in AKIAIMJFOP3TFK2KBRYS "$API_KEY"; do
  if grep -qF "$planted" "$LOGS/otelcol.log" "$LOGS/proxy.log"; then
    die "a secret reached the audit trail or the proxy log"
  fi
done
log "smoke: all client commands behaved as printed"
