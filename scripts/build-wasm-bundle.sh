#!/usr/bin/env bash
# Compiles the policies to the bundle policy.engine: wasm loads: policy.wasm + data.json + .manifest (its revision).
#   scripts/build-wasm-bundle.sh [policies-dir] [output.tar.gz] [entrypoint]
# Test files are left out; the bundle is a build product: never commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
policies=${1:-policies}
out=${2:-target/policy-bundle.tar.gz}
entrypoint=${3:-mcp/authz/decision}
opa=$(scripts/tools.sh opa | tail -1)
mkdir -p "$(dirname "$out")"
"$opa" build -t wasm -e "$entrypoint" -b "$policies" --ignore '*_test.rego' -o "$out"
echo "$out"
