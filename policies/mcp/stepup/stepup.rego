# METADATA
# title: MFA step-up
# description: |
#   Dangerous tools need a second factor, proved recently. The subject's `amr` (RFC 8176
#   authentication methods) must name one of `second_factors` (data.json beside this
#   file) and `auth_time` must be at most `max_age_s` old (and not in the future beyond
#   the clock skew). Otherwise the call is denied with `requirement` as the decision's
#   obligations.require_mfa, which the identity stage turns into an HTTP 403
#   `insufficient_scope` challenge asking the client to authenticate again.
package mcp.stepup

# METADATA
# description: True when `subject` (the policy input's subject) proved a second factor recently enough.
satisfied(subject) if {
	_fresh(subject.auth_time)
	some method in subject.amr
	method in data.mcp.stepup.second_factors
}

# METADATA
# description: What the subject must prove (one of these methods, at most this long ago).
requirement := {"amr_any": sort(data.mcp.stepup.second_factors), "max_age_s": data.mcp.stepup.max_age_s}

_fresh(auth_time) if {
	is_number(auth_time)
	age_s := (time.now_ns() / 1000000000) - auth_time
	age_s <= data.mcp.stepup.max_age_s
	age_s >= 0 - data.mcp.stepup.clock_skew_s
}
