#!/usr/bin/env bash
# JMH benchmark of the masking engine: MB/s per core on realistic mixed text, with and without findings,
# at 4 KiB, 64 KiB and 1 MiB answers.   scripts/bench-masking.sh [measurement-iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -pl proxy test-compile -Dspotless.check.skip=true
# exec:exec, not exec:java: JMH forks a JVM with java.class.path, which must be the test classpath.
./mvnw -q -B -pl proxy exec:exec \
  -Dexec.executable=java \
  -Dexec.classpathScope=test \
  -Dexec.args="-cp %classpath -Dmcpguard.repo=$PWD -Diterations=${1:-5} io.mcpguard.proxy.bench.MaskingBenchmarkMain"
