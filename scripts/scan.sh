#!/usr/bin/env bash
# Matches the deliverables' bills of materials against OSV advisories, without the internet.
#
#   scripts/scan.sh [--db DIR] [--download] [BOM.json ...]
#
# BOMs: the CycloneDX files the build writes (`./mvnw package`), by default those of the proxy, the
# Bitbucket MCP core and the sandbox (<module>/target/bom.json). The scanner is OSV-Scanner, built
# by scripts/tools.sh; it reads the advisories from a local database only (--offline), laid out as
#   DIR/osv-scalibr/Maven/all.zip      (one OSV JSON file per advisory, as OSV publishes them)
# (osv-scanner/ in OSV-Scanner's offline-mode page; v2.6.0 reads osv-scalibr/, its matching library's name).
# DIR defaults to $OSV_DB, else ~/.cache/mcpguard-osv-db. With --download the scanner first fetches or
# refreshes that database from OSV (the only step that needs the internet: a team's CI with access
# runs this; see the README, "Vulnerability scanning").
#
# Exit status: 0 no advisory matches; 1 at least one matches (the table names them); 2 usage,
# missing BOM or missing database; other codes are the scanner's own errors (127 and up).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'scan.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}

db=${OSV_DB:-$HOME/.cache/mcpguard-osv-db}
download=false
boms=()
while [[ $# -gt 0 ]]; do
  case "$1" in
  --db)
    [[ $# -ge 2 ]] || die "--db needs a directory"
    db=$2
    shift 2
    ;;
  --download)
    download=true
    shift
    ;;
  -h | --help)
    sed -n '2,16p' "$0" >&2
    exit 0
    ;;
  -*) die "unknown option '$1'" ;;
  *)
    boms+=("$1")
    shift
    ;;
  esac
done
if [[ ${#boms[@]} -eq 0 ]]; then
  boms=(proxy/target/bom.json bitbucket-mcp-core/target/bom.json bitbucket-sandbox/target/bom.json)
fi

args=()
for bom in "${boms[@]}"; do
  [[ -f $bom ]] || die "no SBOM at $bom (./mvnw package writes <module>/target/bom.json)"
  # The scanner recognises a CycloneDX file by its name (bom.json or *.cdx.json), so a BOM of another
  # name would be silently skipped: refuse it instead.
  case "$(basename "$bom")" in
  bom.json | *.cdx.json) ;;
  *) die "$bom: a CycloneDX SBOM must be named bom.json or *.cdx.json for the scanner to read it" ;;
  esac
  args+=(--lockfile "$bom")
done

mkdir -p "$db"
db=$(cd "$db" && pwd)
if [[ $download == true ]]; then
  mode=(--offline-vulnerabilities --download-offline-databases)
else
  # An absent database would make the scanner report nothing found: fail here instead.
  [[ -f $db/osv-scalibr/Maven/all.zip ]] ||
    die "no advisory database at $db/osv-scalibr/Maven/all.zip (run once with --download where OSV is reachable, or copy one there)"
  mode=(--offline)
fi

scanner=$(scripts/tools.sh osv-scanner)
log "scanning ${boms[*]} against $db ($($scanner --version 2>/dev/null | head -1))"
# No config file: the repository keeps no ignore list, so every match is reported.
status=0
OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=$db "$scanner" scan source "${mode[@]}" --format table "${args[@]}" || status=$?
case $status in
0) log "no known vulnerability in ${#boms[@]} SBOM(s)" ;;
1) log "known vulnerabilities found (above)" ;;
*) log "the scanner failed with status $status" ;;
esac
exit "$status"
