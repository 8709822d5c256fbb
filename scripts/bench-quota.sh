#!/usr/bin/env bash
# Cost of one quota take in Redis (quota.store: redis, loopback redis-server) vs in the process (local).
#   scripts/bench-quota.sh [takes] [inflight]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -pl proxy test-compile exec:java \
  -Dexec.classpathScope=test \
  -Dexec.mainClass=io.mcpguard.proxy.bench.QuotaStoreCostDriver \
  -Dtakes="${1:-50000}" -Dinflight="${2:-64}" -Dmcpguard.repo="$PWD" \
  -DMCPGUARD_LOG_LEVEL=WARN 2>&1 | grep -vE "^\[|^[0-9:.]+ (INFO|DEBUG)" || true
