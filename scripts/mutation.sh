#!/usr/bin/env bash
# Mutation testing (PIT) of the proxy's security packages, and a score per package.
#
#   scripts/mutation.sh [--minutes N] [--threads N] [--min-score P] [PACKAGE ...]
#
# PACKAGE: auth jsonrpc policy quota mask transport pipeline forward exchange (default: all of them).
# Full run: every mutant of those packages against the tests beside them (proxy/pom.xml says which).
# --minutes N stops the run after N minutes and fails. There is no incremental mode: PIT 1.30's history
#   files need the commercial arcmutate history plugin ("History has been enabled but no history plugin has
#   been installed"), so every run is a full one of the packages named.
# --min-score P: fails (status 1) when a package's mutation score is below P percent (.ci/run uses it).
# Report: proxy/target/pit-reports/index.html (and mutations.xml); the table printed last gives, per
# package, killed / all mutants and the mutation score (killed + timed out + memory error) / all, as PIT counts it.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly ALL=(auth jsonrpc policy quota mask transport pipeline forward exchange)
log() { printf 'mutation.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}

minutes=0
threads=2
min_score=0
packages=()
while [[ $# -gt 0 ]]; do
  case "$1" in
  --minutes)
    [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || die "--minutes needs a whole number"
    minutes=$2
    shift 2
    ;;
  --threads)
    [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || die "--threads needs a whole number"
    threads=$2
    shift 2
    ;;
  --min-score)
    [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || die "--min-score needs a whole number"
    min_score=$2
    shift 2
    ;;
  -h | --help)
    sed -n '2,15p' "$0" >&2
    exit 0
    ;;
  -*) die "unknown option '$1'" ;;
  *)
    [[ " ${ALL[*]} " == *" $1 "* ]] || die "'$1' is not one of: ${ALL[*]}"
    packages+=("$1")
    shift
    ;;
  esac
done
[[ ${#packages[@]} -gt 0 ]] || packages=("${ALL[@]}")

classes=$(printf 'io.mcpguard.proxy.%s.*,' "${packages[@]}")
tests=$(printf 'io.mcpguard.proxy.%s.*Test,' "${packages[@]}")
args=(-B -ntp -pl proxy "-Dpitest.targetClasses=${classes%,}" "-Dpitest.targetTests=${tests%,}"
  "-Dpitest.threads=$threads")

# The proxy's test classpath holds the other modules' jars (the Bitbucket core in its tests).
log "installing the modules the proxy's tests need (tests skipped)"
./mvnw -q -B -ntp -pl bitbucket-mcp-core -am -DskipTests install

cmd=(./mvnw "${args[@]}" test-compile org.pitest:pitest-maven:mutationCoverage)
box=""
[[ $minutes -gt 0 ]] && box=" (time box $minutes min)"
log "mutating ${packages[*]}$box"
SECONDS=0
status=0
if [[ $minutes -gt 0 ]]; then
  timeout --kill-after=30s "${minutes}m" "${cmd[@]}" || status=$?
else
  "${cmd[@]}" || status=$?
fi
log "PIT ran ${SECONDS}s, status $status"
[[ $status -eq 124 ]] && die "stopped by the ${minutes}-minute time box"
[[ $status -eq 0 ]] || exit "$status"

python3 - proxy/target/pit-reports/mutations.xml "$min_score" <<'PY'
import collections, sys, xml.etree.ElementTree as ET
counts = collections.defaultdict(collections.Counter)
for m in ET.parse(sys.argv[1]).getroot():
    cls = m.findtext("mutatedClass")
    package = cls.rsplit(".", 1)[0].removeprefix("io.mcpguard.proxy.")
    counts[package][m.get("status")] += 1
print(f"{'package':<10} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} {'no cover':>8} {'score':>6}")
total = collections.Counter()
for package in sorted(counts):
    c = counts[package]
    total.update(c)
    n = sum(c.values())
    detected = c["KILLED"] + c["TIMED_OUT"] + c["MEMORY_ERROR"]
    print(f"{package:<10} {n:>7} {c['KILLED']:>6} {c['TIMED_OUT']:>7} {c['SURVIVED']:>8} {c['NO_COVERAGE']:>8} {100 * detected / n:>5.1f}%")
low = [p for p in counts if 100 * (counts[p]["KILLED"] + counts[p]["TIMED_OUT"] + counts[p]["MEMORY_ERROR"])
       / sum(counts[p].values()) < float(sys.argv[2])]
n = sum(total.values())
detected = total["KILLED"] + total["TIMED_OUT"] + total["MEMORY_ERROR"]
print(f"{'all':<10} {n:>7} {total['KILLED']:>6} {total['TIMED_OUT']:>7} {total['SURVIVED']:>8} {total['NO_COVERAGE']:>8} {100 * detected / n:>5.1f}%")
if low:
    print(f"mutation.sh: below the minimum score of {sys.argv[2]} %: {', '.join(sorted(low))}", file=sys.stderr)
    sys.exit(1)
PY
