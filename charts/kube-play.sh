#!/usr/bin/env bash
# Plays the chart's pod (shape bitbucket) with `podman kube play` on the images docker/build-images.sh built,
# and checks it from outside as a client would: an allowed call, a denied call, a masked file read through the
# proxy; every container non-root on a read-only root filesystem; nothing but the proxy answering on the pod's
# address. Fails (never skips) without podman or the images.
#
# What podman 4.3 cannot play, and what is done instead (charts/verify/cmd/podplay):
#   - native sidecars (initContainers with restartPolicy: Always): podman would run them to completion as init
#     containers; they are played as ordinary containers, in the chart's order;
#   - the Service and the NetworkPolicy: podman has neither; the test checks instead that only the proxy's
#     port answers on the pod's address;
#   - startup/readiness probes: podman 4.3 turns only liveness probes into health checks.
# The sandbox Bitbucket is added to the played pod as the core's Bitbucket (it listens on loopback only).
set -euo pipefail
cd "$(dirname "$0")/.."
readonly TAG=0.1.0-SNAPSHOT
readonly WORK=$PWD/target/kube-play
readonly POD=kube-play-mcpguard

log() { printf 'kube-play: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
command -v podman >/dev/null || die "podman is not installed; .ci/run installs it (apt-get install podman runc)"
for image in proxy opa bitbucket-core sandbox; do
  podman image exists "localhost/mcpguard-$image:$TAG" ||
    die "image localhost/mcpguard-$image:$TAG is missing; run docker/build-images.sh"
done
helm=$(scripts/tools.sh helm)
rm -rf "$WORK"
mkdir -p "$WORK"

# Credentials for the played pod, made here: an API key (the proxy's Secret holds only its hash), the sandbox's
# published demo token for the core, a subject-hash key.
api_key=$(podman run --rm --read-only --entrypoint java "localhost/mcpguard-proxy:$TAG" \
  -cp /opt/mcpguard/app.jar io.mcpguard.proxy.auth.ApiKeyTool kube-play kube-play-user 'viewer@acme/*' \
  2>"$WORK/api-keys.yaml" | tail -n 1)
sed -i '/^Picked up JAVA_TOOL_OPTIONS/d' "$WORK/api-keys.yaml"
printf demo@example.com >"$WORK/email"
printf sandbox-demo-api-token >"$WORK/token"
head -c 32 /dev/urandom | base64 >"$WORK/subject.key"
head -c 32 /dev/urandom | base64 >"$WORK/state.key"

cat >"$WORK/sandbox.yaml" <<YAML
name: sandbox
image: localhost/mcpguard-sandbox:$TAG
args: ["--port", "7990"]
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  readOnlyRootFilesystem: true
  allowPrivilegeEscalation: false
  capabilities: {drop: [ALL]}
volumeMounts:
  - {name: tmp, mountPath: /tmp}
YAML

"$helm" template "$POD" charts/mcpguard -f charts/mcpguard/ci/bitbucket-values.yaml \
  --set bitbucket.url=http://127.0.0.1:7990/2.0 --set bitbucket.enableWrites=true \
  --set audit.enabled=false --set proxy.image.pullPolicy=Never --set policy.opa.image.pullPolicy=Never \
  --set bitbucket.image.pullPolicy=Never >"$WORK/rendered.yaml"
mkdir -p "$WORK/secrets"
(cd charts/verify && go run ./cmd/podplay -extra "$WORK/sandbox.yaml" -secrets-dir "$WORK/secrets" \
  "bitbucket-credentials=BITBUCKET_EMAIL=$WORK/email" "bitbucket-credentials=BITBUCKET_API_TOKEN=$WORK/token" \
  "mcpguard-api-keys=api-keys.yaml=$WORK/api-keys.yaml" "mcpguard-audit=subject.key=$WORK/subject.key" \
  "mcpguard-request-state=state.key=$WORK/state.key") \
  <"$WORK/rendered.yaml" >"$WORK/pod.yaml"

cleanup() {
  for c in $(podman pod inspect "$POD" --format "{{range .Containers}}{{.Name}} {{end}}" 2>/dev/null); do
    { echo "== $c"; podman logs "$c"; } >>"$WORK/pod.log" 2>&1 || true
  done
  podman kube down "$WORK/pod.yaml" >/dev/null 2>&1 || true
  # podman 4.3 keeps a pod's volumes (emptyDir, configMap and secret ones alike) as named volumes.
  # Those named in the played YAML are removed, so the next play starts from empty volumes and fresh secrets.
  local names
  names=$(awk '$1 == "name:" || $2 == "name:" || $1 == "secretName:" { print $NF }' "$WORK/pod.yaml" 2>/dev/null | sort -u)
  for volume in $(podman volume ls -q); do
    if grep -qx -- "$volume" <<<"$names"; then podman volume rm -f "$volume" >/dev/null 2>&1 || true; fi
  done
  podman secret rm bitbucket-credentials mcpguard-api-keys mcpguard-audit mcpguard-request-state >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
for file in "$WORK"/secrets/*.json; do
  podman secret create "$(basename "$file" .json)" "$file" >/dev/null
done
SECONDS=0
podman kube play "$WORK/pod.yaml" >"$WORK/play.log" 2>&1 || die "podman kube play failed: $(cat "$WORK/play.log")"
pod=$(podman pod ps --format '{{.Name}}' | grep -m1 "^$POD") || die "no pod was created"
infra=$(podman pod inspect "$pod" --format '{{.InfraContainerID}}')
ip=$(podman inspect "$infra" --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}')
[[ -n $ip ]] || die "the pod has no address"
log "pod $pod at $ip"

readonly URL="http://$ip:8443/mcp"
for _ in $(seq 1 240); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -H 'Host: localhost' "http://$ip:8443/healthz") == 200 ]] && break
  sleep 0.5
done
[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'Host: localhost' "http://$ip:8443/healthz") == 200 ]] ||
  die "the proxy's /healthz does not answer at $ip:8443"

post() {
  curl -s --max-time 30 -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-06-18' -H "Host: localhost:8443" -H "Authorization: Bearer $api_key" \
    ${session:+-H "Mcp-Session-Id: $session"} -D "$WORK/headers" "$URL" -d "$1"
}
session=
for _ in $(seq 1 120); do
  if post '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"kube-play","version":"1"}}}' | grep -q '"result"'; then
    session=$(awk 'tolower($1) == "mcp-session-id:" { print $2 }' "$WORK/headers" | tr -d '\r')
    break
  fi
  sleep 1
done
[[ -n $session ]] || die "no MCP session through the played pod's proxy"
post '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
call() {
  post "{\"jsonrpc\":\"2.0\",\"id\":$1,\"method\":\"tools/call\",\"params\":{\"name\":\"$2\",\"arguments\":$3}}"
}
call 2 get_repository '{"workspace":"acme","repo":"payments-api"}' | grep -q '"result"' || die "the allowed call failed"
answer=$(call 3 get_file_content '{"workspace":"acme","repo":"payments-api","path":"config/application-prod.yml"}')
grep -q 'REDACTED:aws-access-key' <<<"$answer" || die "the planted AWS key was not masked: $answer"
if grep -q AKIAIMJFOP3TFK2KBRYS <<<"$answer"; then die "a planted secret reached the client"; fi
call 4 get_repository '{"workspace":"globex","repo":"payments-api"}' | grep -q -- '-32001' || die "the call in globex was not denied"
log "allowed, masked and denied calls behaved (pod up and answering in ${SECONDS}s)"

for port in 8181 8080 7990; do
  if (exec 3<>"/dev/tcp/$ip/$port") 2>/dev/null; then die "port $port answers on the pod's address; only 8443 may"; fi
done
for id in $(podman pod inspect "$pod" --format '{{range .Containers}}{{.Id}} {{end}}'); do
  [[ $id == "$infra" ]] && continue
  read -r name user readonly < <(podman inspect "$id" --format '{{.Name}} {{.Config.User}} {{.HostConfig.ReadonlyRootfs}}')
  [[ $readonly == true ]] || die "$name: the root filesystem is writable"
  [[ ${user%%:*} == 10001 ]] || die "$name: runs as '$user', not 10001"
  pid=$(podman inspect "$id" --format '{{.State.Pid}}')
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
  [[ $uid == 10001 ]] || die "$name: its process runs as UID $uid"
  caps=$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")
  [[ $caps == 0000000000000000 ]] || die "$name: effective capabilities $caps"
  log "$name: UID $uid, read-only root, no capabilities"
done
log "ok"
