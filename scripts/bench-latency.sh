#!/usr/bin/env bash
# Added latency of the proxy on the allow path vs calling the upstream directly (same run, loopback).
#   scripts/bench-latency.sh [calls-per-path] [clients]
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-10000}
clients=${2:-1}
./mvnw -q -B -pl proxy test-compile exec:java \
  -Dexec.classpathScope=test \
  -Dexec.mainClass=io.mcpguard.proxy.bench.AddedLatencyDriver \
  -Dcalls="$calls" -Dclients="$clients" -Dmcpguard.repo="$PWD" \
  -DMCPGUARD_LOG_LEVEL=WARN 2>&1 | grep -vE "^\[|^[0-9:.]+ (INFO|DEBUG)|^tools.sh" || true
