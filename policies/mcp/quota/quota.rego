# METADATA
# title: Quotas
# description: |
#   How many calls of each tool class a subject may make per window (data.json beside
#   this file): reads 600/min, writes 30/min, dangerous 5/hour for most roles. The proxy
#   enforces them with token buckets keyed by what this package returns. Opening a
#   session (initialize) is counted too, for every caller whatever its roles.
package mcp.quota

import data.mcp.jsontext

# METADATA
# description: |
#   The bucket one allowed call of a `class` tool draws from, for `subject` (the policy
#   input's subject, calling from `client_address`) holding `roles` there: the most
#   generous limit among those roles. A subject is one bucket per class (its tenant and
#   id); anonymous callers are one bucket per client address, so one anonymous client
#   cannot exhaust another's. Undefined when no role has a limit. Carries
#   on_store_failure only for a class whose data names a mode; absent means deny.
for_call(subject, client_address, class, roles) := object.union(
	{
		"key": jsontext.marshal([_caller(subject, client_address), class]),
		"limit": limit,
		"window_ms": data.mcp.quota.windows_ms[class],
		"cost": 1,
	},
	_store_failure(class),
) if {
	limits := {n | some role in roles; n := data.mcp.quota.limits[role][class]}
	count(limits) > 0
	limit := max(limits)
}

# METADATA
# description: |
#   The bucket each `initialize` draws from, for `subject` calling from `client_address`:
#   sessions.limit per sessions.window_ms, whatever the subject's roles — a subject with no
#   role may still open sessions, and a loop of them would churn the server's sessions and
#   the proxy's bindings. Same caller keys as for_call.
for_session(subject, client_address) := {
	"key": jsontext.marshal([_caller(subject, client_address), "session"]),
	"limit": data.mcp.quota.sessions.limit,
	"window_ms": data.mcp.quota.sessions.window_ms,
	"cost": 1,
}

_store_failure(class) := {"on_store_failure": mode} if {
	mode := data.mcp.quota.on_store_failure[class]
	mode in {"deny", "local"}
} else := {}

default _caller(_, _) := ["anonymous", null]

_caller(subject, _) := ["subject", subject.tenant, subject.id] if subject.authenticated == true

_caller(subject, client_address) := ["anonymous", client_address] if subject.authenticated == false
