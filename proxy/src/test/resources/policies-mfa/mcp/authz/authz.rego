# Test-only policy for the identity tests: everything passes except the dangerous tool, which needs
# a second factor (amr contains "mfa", "otp" or "hwk"); without one the decision asks for step-up via
# obligations.require_mfa. get_repository on workspace "whoami" is denied with the subject the proxy
# sent as its reason, so a test can see what the policy saw.
package mcp.authz

_second_factors := {"mfa", "otp", "hwk"}

_tool := object.get(input.request, "tool", null)

_has_second_factor if {
	some method in input.subject.amr
	method in _second_factors
}

default decision := {"allow": true, "reasons": ["test policy allows this"]}

decision := {
	"allow": false,
	"reasons": ["tool merge_pull_request is dangerous and needs multi-factor authentication"],
	"obligations": {"require_mfa": {"amr_any": ["hwk", "mfa", "otp"], "max_age_s": 900}},
} if {
	_tool == "merge_pull_request"
	not _has_second_factor
}

decision := {"allow": false, "reasons": [json.marshal(input.subject)]} if {
	_tool == "get_repository"
	input.request.arguments.workspace == "whoami"
}
