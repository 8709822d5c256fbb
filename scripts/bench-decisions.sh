#!/usr/bin/env bash
# Policy decisions per second and their latency against a real OPA over loopback, without and with the proxy's
# decision cache.
#   scripts/bench-decisions.sh [decisions-per-run] [clients] [distinct-inputs]
set -euo pipefail
cd "$(dirname "$0")/.."
decisions=${1:-20000}
clients=${2:-4}
subjects=${3:-50}
./mvnw -q -B -pl proxy test-compile exec:java \
  -Dexec.classpathScope=test \
  -Dexec.mainClass=io.mcpguard.proxy.bench.DecisionRateDriver \
  -Ddecisions="$decisions" -Dclients="$clients" -Dsubjects="$subjects" -Dmcpguard.repo="$PWD" \
  -DMCPGUARD_LOG_LEVEL=WARN 2>&1 | grep -vE "^\[|^[0-9:.]+ (INFO|DEBUG)|^tools.sh" || true
