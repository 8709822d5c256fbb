# Test-only policies that misbehave the ways a real policy can, for FailClosedTest.
package broken

# Two complete rules that disagree: OPA answers HTTP 500 (eval_conflict_error).
conflict := {"allow": true} if input.version

conflict := {"allow": false} if input.version

# Defined, but not a decision: no boolean "allow".
not_a_decision := {"allow": "yes", "reasons": ["a string is not a boolean"]}
