#!/usr/bin/env bash
# Proves that scripts/scan.sh really scans: it runs the real OSV-Scanner over the proxy's SBOM
# (proxy/target/bom.json, written by `./mvnw package`) against advisory databases made here:
#   1. an empty database                                 -> the scan passes (status 0)
#   2. one advisory naming the re2j version the proxy pins -> the scan fails (status 1) naming it
#   3. no database at all                                -> the scan refuses (status 2), never "clean"
# .ci/run runs it after `./mvnw verify`. Prints "N passed, N failed" last.
set -euo pipefail
cd "$(dirname "$0")/.."

bom=proxy/target/bom.json
[[ -f $bom ]] || {
  echo "scan-test.sh: no $bom; run ./mvnw package (or verify) first" >&2
  exit 1
}
command -v python3 >/dev/null || {
  echo "scan-test.sh: python3 is needed to write the test databases" >&2
  exit 1
}

work=$(mktemp -d /tmp/mcpguard-scan-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The dependency the advisory names: re2j, whose version the proxy's pom pins, read from the SBOM
# so the test follows an update of the pin.
package=com.google.re2j:re2j
version=$(python3 - "$bom" "$package" <<'PY'
import json, sys
bom, wanted = json.load(open(sys.argv[1])), sys.argv[2]
group, name = wanted.split(":")
found = [c["version"] for c in bom.get("components", []) if c.get("group") == group and c.get("name") == name]
if len(found) != 1:
    sys.exit(f"{wanted}: expected one component in the SBOM, found {found}")
print(found[0])
PY
)
advisory=MCPGUARD-TEST-2026-0001

# make_db DIR [ADVISORY_JSON]: an OSV offline database with the Maven ecosystem's all.zip holding
# the given advisory, or none.
make_db() {
  python3 - "$@" <<'PY'
import os, sys, zipfile
directory = os.path.join(sys.argv[1], "osv-scalibr", "Maven")
os.makedirs(directory, exist_ok=True)
with zipfile.ZipFile(os.path.join(directory, "all.zip"), "w") as archive:
    for text in sys.argv[2:]:
        import json
        archive.writestr(json.loads(text)["id"] + ".json", text)
PY
}

advisory_json=$(
  cat <<JSON
{"schema_version": "1.6.0", "id": "$advisory", "modified": "2026-12-01T00:00:00Z",
 "published": "2026-12-01T00:00:00Z",
 "summary": "Test advisory: proves that scripts/scan.sh fails on a match",
 "affected": [{"package": {"ecosystem": "Maven", "name": "$package"}, "versions": ["$version"]}]}
JSON
)
make_db "$work/empty"
make_db "$work/one" "$advisory_json"

passed=0
failed=0
check() {
  local name=$1 expected=$2 got=$3 output=$4 needle=${5:-}
  if [[ $got == "$expected" && (-z $needle || $output == *"$needle"*) ]]; then
    echo "scan-test.sh: PASS $name"
    passed=$((passed + 1))
  else
    echo "scan-test.sh: FAIL $name: status $got (expected $expected)${needle:+, output must name $needle}" >&2
    printf '%s\n' "$output" >&2
    failed=$((failed + 1))
  fi
}

status=0
out=$(scripts/scan.sh --db "$work/empty" "$bom" 2>&1) || status=$?
check "empty database: no finding" 0 "$status" "$out"

status=0
out=$(scripts/scan.sh --db "$work/one" "$bom" 2>&1) || status=$?
check "advisory on $package $version: finding" 1 "$status" "$out" "$advisory"

status=0
out=$(scripts/scan.sh --db "$work/absent" "$bom" 2>&1) || status=$?
check "no database: refused" 2 "$status" "$out" "no advisory database"

echo "scan: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
