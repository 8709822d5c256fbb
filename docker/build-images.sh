#!/usr/bin/env bash
# Builds every mcpguard image locally, from a Debian bookworm base made here (no registry is needed).
#
#   docker/build-images.sh            build the base (once, cached) and every image
#   docker/build-images.sh --base     build the base only
#
# The base, localhost/mcpguard-base:bookworm-jre17, is debootstrap'd Debian bookworm (minbase) with
# openjdk-17-jre-headless and the user mcpguard (UID/GID 10001), imported into podman. It is made
# once and reused until it is removed (podman rmi localhost/mcpguard-base:bookworm-jre17).
# The Java images take the jars `./mvnw package` builds (run here when a jar is missing); the Go images
# take the binaries scripts/tools.sh builds (OPA, the collector, Jaeger, Prometheus).
#
# Images (tag 0.1.0-SNAPSHOT): mcpguard-proxy, mcpguard-bitbucket-core, mcpguard-sandbox,
# mcpguard-opa (policies/ as a bundle), mcpguard-otelcol, mcpguard-jaeger, mcpguard-prometheus.
set -euo pipefail
cd "$(dirname "$0")/.."
readonly ROOT=$PWD
readonly VERSION=0.1.0-SNAPSHOT
readonly BASE=localhost/mcpguard-base:bookworm-jre17
readonly UID_GID=10001
readonly MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { printf 'build-images: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

command -v podman >/dev/null || die "podman is not installed (apt-get install podman runc debootstrap; README "Deployment")"

build_base() {
  if podman image exists "$BASE"; then
    log "base $BASE is cached"
    return 0
  fi
  command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
  [[ $(id -u) == 0 ]] || die "debootstrap needs root to make the base image"
  local dir
  dir=$(mktemp -d /tmp/mcpguard-base.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$dir'" RETURN
  log "debootstrap bookworm (minbase + openjdk-17-jre-headless) into $dir"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates bookworm "$dir" "$MIRROR" >&2
  # The one non-root identity every image runs as; a fixed number so Kubernetes' runAsUser and
  # file ownership on volumes agree with the image.
  chroot "$dir" groupadd --gid "$UID_GID" mcpguard
  chroot "$dir" useradd --uid "$UID_GID" --gid "$UID_GID" --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin mcpguard
  # What a runtime image never needs: package caches, docs, the package manager's state stays (debug).
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc/* \
    "$dir"/usr/share/man/* "$dir"/usr/share/locale/*
  tar -C "$dir" -c . | podman import --change "USER=$UID_GID" - "$BASE" >&2
  log "base $BASE imported ($(podman image inspect --format '{{.Size}}' "$BASE") bytes)"
}

# build IMAGE DOCKERFILE CONTEXT [--build-arg ...]
build() {
  local image=$1 dockerfile=$2 context=$3
  shift 3
  log "building localhost/$image:$VERSION"
  podman build --quiet --pull=never --file "$dockerfile" --tag "localhost/$image:$VERSION" "$@" "$context" >&2
}

build_base
[[ ${1:-} == --base ]] && exit 0

for jar in proxy/target/proxy-$VERSION.jar bitbucket-mcp-core/target/bitbucket-mcp-core-$VERSION.jar \
  bitbucket-sandbox/target/bitbucket-sandbox-$VERSION.jar; do
  if [[ ! -f $jar ]]; then
    log "$jar is missing; building the jars (./mvnw package, tests skipped)"
    ./mvnw -q -B -DskipTests -pl proxy,bitbucket-mcp-core,bitbucket-sandbox -am package
    break
  fi
done

# A build context per image with exactly what it copies, so nothing else (no target/, no secrets) is sent.
ctx=$(mktemp -d /tmp/mcpguard-images.XXXXXX)
trap 'rm -rf "$ctx"' EXIT

java_image() {
  local image=$1 jar=$2
  mkdir -p "$ctx/$image"
  cp "$jar" "$ctx/$image/app.jar"
  build "$image" "$ROOT/docker/java/Dockerfile" "$ctx/$image" --build-arg "BASE=$BASE"
}
java_image mcpguard-proxy "proxy/target/proxy-$VERSION.jar"
java_image mcpguard-bitbucket-core "bitbucket-mcp-core/target/bitbucket-mcp-core-$VERSION.jar"
java_image mcpguard-sandbox "bitbucket-sandbox/target/bitbucket-sandbox-$VERSION.jar"

# OPA: the binary plus policies/ built into a bundle (a stage of the Dockerfile runs `opa build`).
mkdir -p "$ctx/opa"
cp "$(scripts/tools.sh opa)" "$ctx/opa/opa"
cp -r policies "$ctx/opa/policies"
build mcpguard-opa docker/opa/Dockerfile "$ctx/opa" --build-arg "BASE=$BASE"

go_image() {
  local image=$1 binary=$2 dockerfile=$3
  mkdir -p "$ctx/$image"
  cp "$binary" "$ctx/$image/"
  cp "$(dirname "$dockerfile")"/*.yaml "$ctx/$image/" 2>/dev/null || true
  build "$image" "$dockerfile" "$ctx/$image"
}
go_image mcpguard-otelcol "$(scripts/tools.sh otelcol)" docker/otelcol/Dockerfile
go_image mcpguard-jaeger "$(scripts/tools.sh jaeger)" docker/jaeger/Dockerfile
# Prometheus: the binary, its settings and the project's alert rules.
mkdir -p "$ctx/mcpguard-prometheus/data"
cp "$(scripts/tools.sh prometheus)" docker/prometheus/prometheus.yaml docs/prometheus/mcpguard-alerts.yaml \
  "$ctx/mcpguard-prometheus/"
build mcpguard-prometheus docker/prometheus/Dockerfile "$ctx/mcpguard-prometheus"

podman images --filter reference='localhost/mcpguard-*' --format '{{.Repository}}:{{.Tag}} {{.Size}}' >&2
