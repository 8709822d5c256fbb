#!/usr/bin/env bash
# Runs docker/compose.yaml with podman-compose, checks it the way `scripts/demo.sh --smoke` checks the demo
# (allowed call, denied call, masked file read, the audit trail in the collector and in Jaeger, the metrics and
# alert rules in Prometheus), and takes it down again. The images come from docker/build-images.sh.
#
#   docker/compose-smoke.sh           up, check, down
#   docker/compose-smoke.sh --keep    up, check, leave it running (podman-compose -f docker/compose.yaml down)
set -euo pipefail
cd "$(dirname "$0")/.."
readonly PROXY_PORT=${PROXY_PORT:-8443}
readonly JAEGER_UI_PORT=${JAEGER_UI_PORT:-16686}
readonly PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
readonly WORK=$PWD/target/compose
export PROXY_PORT JAEGER_UI_PORT PROMETHEUS_PORT

log() { printf 'compose-smoke: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
command -v podman-compose >/dev/null || die "podman-compose is not installed (pip install podman-compose==1.6.0)"

keep=false
[[ ${1:-} == --keep ]] && keep=true

mkdir -p "$WORK"
# The demo client's API key: the key stays here, the proxy gets only its hash (a compose secret).
api_key=$(podman run --rm --read-only --entrypoint java localhost/mcpguard-proxy:0.1.0-SNAPSHOT \
  -cp /opt/mcpguard/app.jar io.mcpguard.proxy.auth.ApiKeyTool compose compose-user 'viewer@acme/*' \
  2>"$WORK/api-keys.yaml" | tail -n 1)
sed -i '/^Picked up JAVA_TOOL_OPTIONS/d' "$WORK/api-keys.yaml"
chmod 644 "$WORK/api-keys.yaml"
export MCPGUARD_API_KEYS=$WORK/api-keys.yaml
compose() { podman-compose -f docker/compose.yaml "$@"; }

down() {
  compose logs >"$WORK/compose.log" 2>&1 || true
  $keep || compose down -v >/dev/null 2>&1 || true
}
trap down EXIT
compose up -d >"$WORK/up.log" 2>&1 || die "podman-compose up failed; see $WORK/up.log"

readonly URL="http://127.0.0.1:$PROXY_PORT/mcp"
post() {
  curl -s --max-time 30 -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-06-18' -H "Authorization: Bearer $api_key" ${session:+-H "Mcp-Session-Id: $session"} \
    -D "$WORK/headers" "$URL" -d "$1"
}
session=
for _ in $(seq 1 120); do
  if post '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"compose-smoke","version":"1"}}}' 2>/dev/null | grep -q '"result"'; then
    session=$(awk 'tolower($1) == "mcp-session-id:" { print $2 }' "$WORK/headers" | tr -d '\r')
    break
  fi
  sleep 1
done
[[ -n $session ]] || die "no MCP session through the proxy at $URL; see $WORK/compose.log"
post '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
call() {
  post "{\"jsonrpc\":\"2.0\",\"id\":$1,\"method\":\"tools/call\",\"params\":{\"name\":\"$2\",\"arguments\":$3}}"
}
log "allowed get_repository"
call 2 get_repository '{"workspace":"acme","repo":"payments-api"}' | grep -q '"result"' || die "allowed call failed"
log "masked file read"
answer=$(call 3 get_file_content '{"workspace":"acme","repo":"payments-api","path":"config/application-prod.yml"}')
grep -q 'REDACTED:aws-access-key' <<<"$answer" || die "the planted AWS key was not masked: $answer"
if grep -q AKIAIMJFOP3TFK2KBRYS <<<"$answer"; then die "a planted secret reached the client"; fi
log "denied get_repository in another workspace"
call 4 get_repository '{"workspace":"globex","repo":"payments-api"}' | grep -q -- '-32001' || die "not denied"
log "the audit trail in the collector and in Jaeger"
for _ in $(seq 1 60); do
  compose logs otelcol 2>/dev/null | grep -q 'mcp.policy.outcome: Str(deny)' && break
  sleep 1
done
compose logs otelcol 2>/dev/null | grep -q 'mcp.policy.outcome: Str(deny)' || die "no denial in the collector's output"
for _ in $(seq 1 60); do
  curl -s "http://127.0.0.1:$JAEGER_UI_PORT/api/services" | grep -q mcpguard-proxy && break
  sleep 1
done
curl -s "http://127.0.0.1:$JAEGER_UI_PORT/api/services" | grep -q mcpguard-proxy || die "Jaeger has no mcpguard-proxy traces"
log "the proxy's metrics and the alert rules in Prometheus"
readonly PROM=http://127.0.0.1:$PROMETHEUS_PORT
# The dashboard's first panel's series: the denial above, by outcome.
query='sum by (mcp_policy_outcome) (mcp_server_operation_duration_seconds_count{mcp_policy_outcome="deny"})'
for _ in $(seq 1 60); do
  curl -s -G "$PROM/api/v1/query" --data-urlencode "query=$query" | grep -q '"mcp_policy_outcome":"deny"' && break
  sleep 1
done
curl -s -G "$PROM/api/v1/query" --data-urlencode "query=$query" | grep -q '"mcp_policy_outcome":"deny"' ||
  die "Prometheus has no denial in mcp_server_operation_duration_seconds_count"
curl -s "$PROM/api/v1/rules" | grep -q '"name":"McpguardAnswerUnmatched"' || die "Prometheus has not loaded the alert rules"
log "ok: proxy $URL, traces at http://127.0.0.1:$JAEGER_UI_PORT (service mcpguard-proxy), metrics at $PROM"
