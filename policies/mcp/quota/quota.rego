# METADATA
# title: Quotas
# description: |
#   How many calls of each tool class a subject may make per window (data.json beside
#   this file): reads 600/min, writes 30/min, dangerous 5/hour for most roles. The proxy
#   enforces them with token buckets keyed by what this package returns.
package mcp.quota

# METADATA
# description: |
#   The bucket one allowed call of a `class` tool draws from, for a subject holding
#   `roles` there: the most generous limit among those roles. A subject is one bucket
#   per class (its tenant and id); anonymous callers are one bucket per client address,
#   so one anonymous client cannot exhaust another's. Undefined when no role has a limit.
#   Carries on_store_failure only for a class whose data names a mode; absent means deny.
for_call(class, roles) := object.union(
	{
		"key": json.marshal([_caller, class]),
		"limit": limit,
		"window_ms": _windows_ms[class],
		"cost": 1,
	},
	_store_failure(class),
) if {
	limits := {n | some role in roles; n := _limits[role][class]}
	count(limits) > 0
	limit := max(limits)
}

_store_failure(class) := {"on_store_failure": mode} if {
	mode := _on_store_failure[class]
	mode in {"deny", "local"}
} else := {}

default _caller := ["anonymous", null]

_caller := ["subject", input.subject.tenant, input.subject.id] if input.subject.authenticated == true

_caller := ["anonymous", input.transport.client_address] if input.subject.authenticated == false

# The references to this package's data document (data.json beside this file).
# regal ignore:unresolved-reference
_limits := data.mcp.quota.limits

# regal ignore:unresolved-reference
_windows_ms := data.mcp.quota.windows_ms

# Optional in data.json: absent, every class fails closed (deny).
# regal ignore:unresolved-reference
_on_store_failure := data.mcp.quota.on_store_failure
