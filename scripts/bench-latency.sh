#!/usr/bin/env bash
# Added latency of the proxy on the allow path vs calling the upstream directly (same run, loopback).
#   scripts/bench-latency.sh [calls-per-path] [clients] [audit]
# With "audit" the proxy runs with its audit trail on (disk spool, OTLP to a real collector).
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-10000}
clients=${2:-1}
audit=false
[[ ${3:-} == audit ]] && audit=true
./mvnw -q -B -pl proxy test-compile exec:java \
  -Dexec.classpathScope=test \
  -Dexec.mainClass=io.mcpguard.proxy.bench.AddedLatencyDriver \
  -Dcalls="$calls" -Dclients="$clients" -Daudit="$audit" -Dmcpguard.repo="$PWD" \
  -DMCPGUARD_LOG_LEVEL=WARN 2>&1 | grep -vE "^\[|^[0-9:.]+ (INFO|DEBUG)|^tools.sh" || true
