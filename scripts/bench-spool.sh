#!/usr/bin/env bash
# Cost of the audit spool's encryption at rest (AES-256-GCM) vs a spool in clear, per batch of spans.
#   scripts/bench-spool.sh [batches] [spans-per-batch]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -pl proxy test-compile exec:java \
  -Dexec.classpathScope=test \
  -Dexec.mainClass=io.mcpguard.proxy.audit.SpoolCipherCostDriver \
  -Dbatches="${1:-2000}" -Dspans="${2:-512}" -Dmcpguard.repo="$PWD" \
  -DMCPGUARD_LOG_LEVEL=WARN 2>&1 | grep -vE "^\[|^[0-9:.]+ (INFO|DEBUG)|\|-INFO" || true
