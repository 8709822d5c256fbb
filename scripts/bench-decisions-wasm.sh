#!/usr/bin/env bash
# JMH benchmark of in-process decisions (policy.engine: wasm): decisions per second on one core on the repository's
# policies, every input distinct.   scripts/bench-decisions-wasm.sh [measurement-iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -pl proxy test-compile -Dspotless.check.skip=true
# exec:exec, not exec:java: JMH forks a JVM with java.class.path, which must be the test classpath.
./mvnw -q -B -pl proxy exec:exec \
  -Dexec.executable=java \
  -Dexec.classpathScope=test \
  -Dexec.args="-cp %classpath -Dmcpguard.repo=$PWD -Diterations=${1:-5} -Djvm.extra=\"${JVM_EXTRA:--Dunused=}\" io.mcpguard.proxy.bench.WasmDecisionBenchmarkMain"
