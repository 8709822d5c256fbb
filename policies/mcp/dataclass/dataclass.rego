# METADATA
# title: Data classes
# description: |
#   Which data classes a role may see unmasked in a tool's result (data.json beside this
#   file). Classes: repository_metadata, pr_metadata, source_code, personal_data (names,
#   e-mail addresses, phone numbers, IBANs, cards), secret (keys, tokens, private keys,
#   passwords, credentials in URLs), internal_infrastructure (private addresses, internal
#   host names). No role sees secret unmasked: a credential in a repository is an
#   incident, not content. The proxy finds and masks only the last three by pattern;
#   the others name what a tool returns and are never masked (deny the call instead).
package mcp.dataclass

# METADATA
# description: |
#   The classes among `classes` that none of `roles` may see unmasked: what the proxy
#   masks in the answer. Sorted, so decisions compare and cache as equal.
masked(classes, roles) := sort([class |
	some class in classes
	not _unmasked_for_any(class, roles)
])

_unmasked_for_any(class, roles) if {
	some role in roles
	class in _unmasked[role]
}

# The reference to this package's data document (data.json beside this file).
# regal ignore:unresolved-reference
_unmasked := data.mcp.dataclass.unmasked
