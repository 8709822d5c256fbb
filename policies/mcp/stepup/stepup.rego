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
# description: True when the subject proved a second factor recently enough.
satisfied if {
	_fresh(input.subject.auth_time)
	some method in input.subject.amr
	method in _second_factors
}

# METADATA
# description: What the subject must prove (one of these methods, at most this long ago).
requirement := {"amr_any": sort(_second_factors), "max_age_s": _max_age_s}

_fresh(auth_time) if {
	is_number(auth_time)
	age_s := (time.now_ns() / 1000000000) - auth_time
	age_s <= _max_age_s
	age_s >= 0 - _clock_skew_s
}

# The references to this package's data document (data.json beside this file).
# regal ignore:unresolved-reference
_second_factors := data.mcp.stepup.second_factors

# regal ignore:unresolved-reference
_max_age_s := data.mcp.stepup.max_age_s

# regal ignore:unresolved-reference
_clock_skew_s := data.mcp.stepup.clock_skew_s
