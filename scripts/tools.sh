#!/usr/bin/env bash
# Provides the pinned external tools the build and the tests drive as real programs.
#
#   scripts/tools.sh <opa|regal|otelcol|prometheus|jaeger|helm|inspector|conformance|everything|ts-client>
#
# Prints the absolute path of a ready executable on stdout (that line only); progress and
# the tool's version go to stderr. The first call builds or installs the tool into
#   ${MCPGUARD_TOOLS:-$HOME/.cache/mcpguard-tools}
# (outside the repository: binaries are never committed). Concurrent callers (Maven and
# several JUnit fixtures at once) serialise on a per-tool flock, and a tool only appears
# under its final name once it is complete, so nobody sees a half-built one.
set -euo pipefail

readonly OPA_MODULE=github.com/open-policy-agent/opa
readonly OPA_VERSION=v1.22.2
# Regal moved from StyraInc to open-policy-agent; its go.mod names this module since v0.36.
# The proxy does not list versions for it (its /@v/list answers 403), so this is the newest
# tag of the repository that the proxy serves (/@v/v0.42.0.info answers 200).
readonly REGAL_MODULE=github.com/open-policy-agent/regal
readonly REGAL_VERSION=v0.42.0
# Regal's release builds stamp the version with -ldflags; `go install` alone leaves "unknown".
readonly REGAL_LDFLAGS="-X ${REGAL_MODULE}/pkg/version.Version=${REGAL_VERSION#v}"
# The OpenTelemetry Collector is assembled by its official builder from scripts/otelcol-builder.yaml.
readonly OTELCOL_BUILDER_MODULE=go.opentelemetry.io/collector/cmd/builder
readonly OTELCOL_VERSION=v0.165.0
# Prometheus v3.x: its Go module versions are v0.3MM.P for release v3.MM.P (the repository never moved
# to a /v3 module path), so v0.316.0 is Prometheus 3.16.0. Built without the web UI's assets
# (the `builtinassets` tag): the tests only use its HTTP API and its OTLP receiver.
readonly PROMETHEUS_MODULE=github.com/prometheus/prometheus/cmd/prometheus
readonly PROMETHEUS_VERSION=v0.316.0
readonly PROMETHEUS_RELEASE=3.16.0
# A release build stamps its version with -ldflags; `go install` alone reports none.
readonly PROMETHEUS_LDFLAGS="-X github.com/prometheus/common/version.Version=${PROMETHEUS_RELEASE}"
# Jaeger v2 (an OpenTelemetry Collector distribution with Jaeger's storage and query extensions).
# The repository tags each release twice (v1.x for the old binaries, v2.x for cmd/jaeger) but its Go
# module is not /v2, so the proxy serves the v1.x tags only: v1.76.0 is the commit tagged v2.13.0.
# Its go.mod carries a replace directive, so go_build falls back to its wrapper module.
readonly JAEGER_MODULE=github.com/jaegertracing/jaeger/cmd/jaeger
readonly JAEGER_VERSION=v1.76.0
readonly JAEGER_RELEASE=v2.13.0
# A release build stamps its version with -ldflags (scripts/makefiles/BuildInfo.mk upstream).
readonly JAEGER_LDFLAGS="-X github.com/jaegertracing/jaeger/internal/version.latestVersion=${JAEGER_RELEASE}"
# Helm 3 renders and lints charts/mcpguard. Its release build stamps the version and the Kubernetes version it
# renders for (that of its client-go, v0.37 => 1.37) with -ldflags; `go install` alone says v3.22 and 1.20,
# and a chart's kubeVersion constraint then refuses to render.
readonly HELM_MODULE=helm.sh/helm/v3/cmd/helm
readonly HELM_VERSION=v3.22.1
readonly HELM_K8S_MINOR=37
readonly HELM_LDFLAGS="-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} \
-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${HELM_K8S_MINOR} \
-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${HELM_K8S_MINOR}"
# OSV-Scanner v2 reads a CycloneDX SBOM and matches it against OSV advisories; scripts/scan.sh runs it with an
# offline database. Its `--version` prints "osv-scanner version: X".
readonly OSV_SCANNER_MODULE=github.com/google/osv-scanner/v2/cmd/osv-scanner
readonly OSV_SCANNER_VERSION=v2.6.0
readonly OSV_SCANNER_LDFLAGS=""
# v2.6.0 (the only version the module proxy lists) needs Go 1.27; the go command fetches that approved toolchain
# from the module proxy like a module (once per machine, ~76 MB). Only this tool's build uses it.
readonly OSV_SCANNER_GOTOOLCHAIN=go1.27.3
readonly INSPECTOR_PACKAGE=@modelcontextprotocol/inspector
readonly INSPECTOR_VERSION=2.12.0
readonly CONFORMANCE_PACKAGE=@modelcontextprotocol/conformance
readonly CONFORMANCE_VERSION=0.1.13
# The 0.2 line adds the 2026-07-28 scenarios and runs only on Node 22 (fs.globSync), which npm serves as a package.
readonly CONFORMANCE_MODERN_VERSION=0.2.0-alpha.12
readonly NODE22_PACKAGE=node
readonly NODE22_VERSION=22.23.3
# A reference MCP server that serves prompts, resources and resource templates (Streamable HTTP with
# `streamableHttp`, or stdio with `stdio`, which the proxy launches itself in the stdio tests); the tests put it
# behind the proxy. Its get-env tool prints its whole environment: start it with a clean one.
readonly EVERYTHING_PACKAGE=@modelcontextprotocol/server-everything
readonly EVERYTHING_VERSION=2026.8.31
# The TypeScript SDK v2 client, which speaks 2026-07-28 when pinned to it (the modern-era client of the bridge tests).
# A library, not a program: the path printed is the node_modules directory a script that imports it runs beside.
readonly TS_CLIENT_PACKAGE=@modelcontextprotocol/client
readonly TS_CLIENT_VERSION=2.4.0
# The TypeScript SDK v2 server and its Node.js HTTP adapter: a dual-era reference server (2026-07-28 and legacy).
readonly TS_SERVER_PACKAGE=@modelcontextprotocol/server
readonly TS_SERVER_VERSION=2.4.0
readonly TS_NODE_PACKAGE=@modelcontextprotocol/node
readonly TS_NODE_VERSION=2.1.2

CACHE="${MCPGUARD_TOOLS:-$HOME/.cache/mcpguard-tools}"

log() { printf 'tools.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  cat >&2 <<USAGE
usage: scripts/tools.sh <tool>
  opa          OPA ${OPA_VERSION} (from PATH if it is exactly that version, else built with go)
  regal        Regal ${REGAL_VERSION} (${REGAL_MODULE}, built with go)
  otelcol      OpenTelemetry Collector ${OTELCOL_VERSION}, core components (built with its builder)
  prometheus   Prometheus ${PROMETHEUS_RELEASE} (${PROMETHEUS_MODULE}@${PROMETHEUS_VERSION}, built with go, no web UI)
  jaeger       Jaeger ${JAEGER_RELEASE} (${JAEGER_MODULE}@${JAEGER_VERSION}, built with go)
  helm         Helm ${HELM_VERSION} (${HELM_MODULE}, built with go)
  osv-scanner  OSV-Scanner ${OSV_SCANNER_VERSION} (${OSV_SCANNER_MODULE}, built with go)
  inspector    ${INSPECTOR_PACKAGE}@${INSPECTOR_VERSION} CLI (npm)
  conformance  ${CONFORMANCE_PACKAGE}@${CONFORMANCE_VERSION} CLI (npm)
  conformance-modern  ${CONFORMANCE_PACKAGE}@${CONFORMANCE_MODERN_VERSION} CLI (npm; run it with node22 first on PATH)
  node22       Node.js ${NODE22_VERSION} from npm's ${NODE22_PACKAGE} package: prints its node executable
  everything   ${EVERYTHING_PACKAGE}@${EVERYTHING_VERSION} reference server (npm)
  ts-client    ${TS_CLIENT_PACKAGE}@${TS_CLIENT_VERSION} library (npm): prints its node_modules directory
  ts-server    ${TS_SERVER_PACKAGE}@${TS_SERVER_VERSION} with ${TS_NODE_PACKAGE}@${TS_NODE_VERSION} (npm): likewise
cache: ${CACHE}
USAGE
}

require() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH; it is needed to provide $2"
}

# Runs "$@" while holding an exclusive lock named after the tool, so two callers never
# build the same thing at once. The lock file lives in the cache and is never removed.
with_lock() {
  local name=$1
  shift
  mkdir -p "$CACHE" || die "cannot create the tools cache $CACHE"
  require flock "a lock on the tools cache"
  local fd
  exec {fd}>"$CACHE/.$name.lock"
  flock "$fd"
  "$@"
  exec {fd}>&-
}

# Prints X from the "Version: X" line of `<binary> version` for a Go tool, or nothing;
# for Prometheus, from its "prometheus, version X (branch: ...)" line of `--version`;
# for Jaeger, the gitVersion of its JSON `version`; for Helm, `version --template`.
# REGAL_DISABLE_VERSION_CHECK stops `regal version` from asking GitHub for a newer release.
go_tool_version() {
  if [[ "$(basename "$1")" == prometheus ]]; then
    "$1" --version 2>/dev/null | awk '/^prometheus, version / { print $3; exit }'
    return 0
  fi
  if [[ "$(basename "$1")" == jaeger ]]; then
    "$1" version 2>/dev/null | sed -n 's/.*"gitVersion":"\([^"]*\)".*/\1/p'
    return 0
  fi
  if [[ "$(basename "$1")" == osv-scanner ]]; then
    "$1" --version 2>/dev/null | awk '/^osv-scanner version:/ { print $3; exit }'
    return 0
  fi
  if [[ "$(basename "$1")" == helm ]]; then
    "$1" version --template '{{.Version}}' 2>/dev/null
    return 0
  fi
  REGAL_DISABLE_VERSION_CHECK=1 "$1" version 2>/dev/null | awk '/^Version:/ { print $2; exit }'
}

# Builds Go module $2 at version $3 into directory $4 as the binary named $1, linked
# with the -ldflags in $5 (may be empty).
# `go install mod@version` refuses modules whose go.mod carries replace directives; then a
# throwaway wrapper module builds the same main package with the same pinned version.
go_build() {
  local name=$1 module=$2 version=$3 dir=$4 ldflags=$5
  require go "$name"
  local work
  work=$(mktemp -d "$CACHE/.build-$name.XXXXXX")
  log "building $name $version from $module with $(go version | cut -d' ' -f3) (takes a few minutes the first time)"
  if ! (cd "$work" && CGO_ENABLED=0 GOBIN="$work/bin" go install -ldflags="$ldflags" "$module@$version") >&2; then
    log "go install refused $module@$version; building it from a wrapper module instead"
    rm -rf "${work:?}/bin" "${work:?}/wrapper"
    mkdir -p "$work/wrapper"
    if ! (cd "$work/wrapper" &&
      go mod init mcpguard-tools/wrapper &&
      go get "$module@$version" &&
      CGO_ENABLED=0 go build -ldflags="$ldflags" -o "$work/bin/$name" "$module") >&2; then
      rm -rf "$work"
      die "could not build $module@$version with go"
    fi
  fi
  [[ -x "$work/bin/$name" ]] || {
    rm -rf "$work"
    die "the build of $module@$version left no '$name' binary"
  }
  rm -rf "$dir"
  mv "$work/bin" "$dir"
  rm -rf "$work"
}

# Prints the path of Go tool $1 (module $2, version $3, -ldflags $4): the one on PATH when
# it reports exactly the pinned version ($5 when the tool's own version differs from its
# module's, else $3 without its v), else the cached build, built first if missing.
provide_go_tool() {
  local name=$1 module=$2 version=$3 ldflags=${4:-}
  local want=${5:-${version#v}} found
  if found=$(command -v "$name" 2>/dev/null) && [[ "$(go_tool_version "$found")" == "$want" ]]; then
    found=$(readlink -f "$found")
  else
    local dir="$CACHE/$name-$version"
    found="$dir/$name"
    if [[ ! -x "$found" ]]; then
      with_lock "$name" build_go_tool_once "$name" "$module" "$version" "$dir" "$ldflags"
    fi
  fi
  local got
  got=$(go_tool_version "$found")
  [[ "$got" == "$want" ]] || die "$found reports version '${got:-nothing}', expected $want"
  log "$name $got at $found"
  printf '%s\n' "$found"
}

build_go_tool_once() {
  local name=$1 module=$2 version=$3 dir=$4 ldflags=$5
  # Another caller may have finished the build while this one waited for the lock.
  [[ -x "$dir/$name" ]] || go_build "$name" "$module" "$version" "$dir" "$ldflags"
}

# Prints the path of the OpenTelemetry Collector built from scripts/otelcol-builder.yaml, building
# it first if missing. The cache directory is named after the version and the component list, so
# editing the list builds a new collector.
provide_otelcol() {
  local spec
  spec="$(dirname "$(readlink -f "$0")")/otelcol-builder.yaml"
  [[ -f "$spec" ]] || die "missing $spec"
  local digest dir
  digest=$(sha256sum "$spec" | cut -c1-12)
  dir="$CACHE/otelcol-$OTELCOL_VERSION-$digest"
  if [[ ! -x "$dir/otelcol" ]]; then
    with_lock otelcol build_otelcol_once "$spec" "$dir"
  fi
  local version
  version=$("$dir/otelcol" components 2>/dev/null | awk '/^ *version:/ { print $2; exit }')
  [[ "$version" == "${OTELCOL_VERSION#v}" ]] || die "$dir/otelcol reports version '${version:-nothing}'"
  log "otelcol $version at $dir/otelcol"
  printf '%s\n' "$dir/otelcol"
}

build_otelcol_once() {
  local spec=$1 dir=$2
  [[ -x "$dir/otelcol" ]] && return 0
  require go otelcol
  local work
  work=$(mktemp -d "$CACHE/.build-otelcol.XXXXXX")
  log "building the OpenTelemetry Collector $OTELCOL_VERSION (builder + core components; a few minutes)"
  if ! (cd "$work" &&
    CGO_ENABLED=0 GOBIN="$work/bin" go install "$OTELCOL_BUILDER_MODULE@$OTELCOL_VERSION" &&
    sed "s#OUTPUT_PATH#$work/dist#" "$spec" >"$work/builder.yaml" &&
    CGO_ENABLED=0 "$work/bin/builder" --config "$work/builder.yaml") >&2; then
    rm -rf "$work"
    die "could not build the OpenTelemetry Collector"
  fi
  [[ -x "$work/dist/otelcol" ]] || {
    rm -rf "$work"
    die "the collector build left no binary"
  }
  rm -rf "$dir"
  mkdir -p "$dir"
  mv "$work/dist/otelcol" "$dir/otelcol"
  rm -rf "$work"
}

# Installs npm package $1@$2 into its own prefix in the cache (once) and prints the path of
# its executable named $3.
provide_npm_tool() {
  local package=$1 version=$2 bin=$3
  local prefix="$CACHE/${package##*/}-$version"
  local path="$prefix/node_modules/.bin/$bin"
  if [[ ! -e "$path" ]]; then
    with_lock "${package##*/}" npm_install_once "$prefix" ".bin/$bin" "$package@$version"
  fi
  [[ -x "$path" ]] || die "$path is missing after installing $package@$version"
  log "$package $version (node $(node --version)) at $path"
  printf '%s\n' "$path"
}

# Installs the npm libraries "$3"... (package@version each) into the prefix named $1 in the cache (once) and prints
# the path of the node_modules directory that holds them; $2 is the package whose presence says it is done.
provide_npm_library() {
  local name=$1 check=$2
  shift 2
  local prefix="$CACHE/$name"
  if [[ ! -e "$prefix/node_modules/$check/package.json" ]]; then
    with_lock "$name" npm_install_once "$prefix" "$check/package.json" "$@"
  fi
  [[ -e "$prefix/node_modules/$check/package.json" ]] || die "$check is missing after installing $*"
  log "$* (node $(node --version)) at $prefix/node_modules"
  printf '%s\n' "$prefix/node_modules"
}

# Installs the packages "$3"... (package@version each) into the prefix $1 unless node_modules/$2 is there already.
npm_install_once() {
  local prefix=$1 installed=$2
  shift 2
  [[ -e "$prefix/node_modules/$installed" ]] && return 0
  require node "$*"
  require npm "$*"
  local work
  work=$(mktemp -d "$CACHE/.install-${prefix##*/}.XXXXXX")
  log "installing $* with npm $(npm --version) on node $(node --version)"
  # npm reports on stdout; only our one path line may go there.
  if ! npm install --prefix "$work" --no-audit --no-fund "$@" >&2; then
    rm -rf "$work"
    die "npm could not install $*"
  fi
  [[ -e "$work/node_modules/$installed" ]] || {
    rm -rf "$work"
    die "$* installed no node_modules/$installed"
  }
  rm -rf "$prefix"
  mv "$work" "$prefix"
}

main() {
  [[ $# -eq 1 ]] || {
    usage
    exit 2
  }
  case "$1" in
  opa) provide_go_tool opa "$OPA_MODULE" "$OPA_VERSION" ;;
  regal) provide_go_tool regal "$REGAL_MODULE" "$REGAL_VERSION" "$REGAL_LDFLAGS" ;;
  otelcol) provide_otelcol ;;
  prometheus) provide_go_tool prometheus "$PROMETHEUS_MODULE" "$PROMETHEUS_VERSION" "$PROMETHEUS_LDFLAGS" "$PROMETHEUS_RELEASE" ;;
  jaeger) provide_go_tool jaeger "$JAEGER_MODULE" "$JAEGER_VERSION" "$JAEGER_LDFLAGS" "$JAEGER_RELEASE" ;;
  helm) provide_go_tool helm "$HELM_MODULE" "$HELM_VERSION" "$HELM_LDFLAGS" "$HELM_VERSION" ;;
  osv-scanner) GOTOOLCHAIN="$OSV_SCANNER_GOTOOLCHAIN" provide_go_tool osv-scanner "$OSV_SCANNER_MODULE" "$OSV_SCANNER_VERSION" "$OSV_SCANNER_LDFLAGS" ;;
  inspector) provide_npm_tool "$INSPECTOR_PACKAGE" "$INSPECTOR_VERSION" mcp-inspector ;;
  conformance) provide_npm_tool "$CONFORMANCE_PACKAGE" "$CONFORMANCE_VERSION" conformance ;;
  conformance-modern) provide_npm_tool "$CONFORMANCE_PACKAGE" "$CONFORMANCE_MODERN_VERSION" conformance ;;
  node22) provide_npm_tool "$NODE22_PACKAGE" "$NODE22_VERSION" node ;;
  everything) provide_npm_tool "$EVERYTHING_PACKAGE" "$EVERYTHING_VERSION" mcp-server-everything ;;
  ts-client) provide_npm_library "client-$TS_CLIENT_VERSION" "$TS_CLIENT_PACKAGE" "$TS_CLIENT_PACKAGE@$TS_CLIENT_VERSION" ;;
  ts-server) provide_npm_library "server-$TS_SERVER_VERSION" "$TS_NODE_PACKAGE" \
    "$TS_SERVER_PACKAGE@$TS_SERVER_VERSION" "$TS_NODE_PACKAGE@$TS_NODE_VERSION" ;;
  -h | --help) usage ;;
  *)
    usage
    die "unknown tool '$1'"
    ;;
  esac
}

main "$@"
