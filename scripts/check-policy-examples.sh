#!/usr/bin/env bash
# Feeds every example in policies/examples/ to the policy, loaded as a bundle the way the
# OPA sidecar loads it, and fails unless each decision equals the example's "decision".
# The Java tests send the same files to a real OPA, so both sides hold to one contract.
#
#   scripts/check-policy-examples.sh [policies-dir]
set -euo pipefail

readonly ENTRYPOINT=data.mcp.authz.decision

log() { printf 'check-policy-examples: %s\n' "$*" >&2; }

main() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  local policies=${1:-$root/policies}
  local opa
  opa=$("$root/scripts/tools.sh" opa)

  local example failed=0 checked=0
  for example in "$policies"/examples/*.jsonc; do
    [[ -e "$example" ]] || {
      log "no examples in $policies/examples"
      return 1
    }
    checked=$((checked + 1))
    if "$opa" eval --fail --format raw --bundle "$policies" --input "$example" \
      "expected := input.decision; $ENTRYPOINT == expected with input as input.input" >/dev/null; then
      log "ok   $(basename "$example")"
    else
      failed=$((failed + 1))
      log "FAIL $(basename "$example")"
      log "  expected: $("$opa" eval --format raw --input "$example" 'input.decision')"
      log "  actual:   $("$opa" eval --format raw --bundle "$policies" --input "$example" \
        "$ENTRYPOINT with input as input.input")"
    fi
  done
  log "$((checked - failed)) of $checked policy examples match their expected decision"
  [[ $failed -eq 0 ]]
}

main "$@"
