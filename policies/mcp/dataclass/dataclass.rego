# METADATA
# title: Data classes
# description: |
#   Which data classes a role may see unmasked in a tool's result (data.json beside this
#   file). Classes: repository_metadata, pr_metadata, source_code, personal_data (names,
#   e-mail addresses, phone numbers, IBANs, cards), secret (keys, tokens, private keys,
#   passwords, credentials in URLs), internal_infrastructure (private addresses, internal
#   host names). No role sees secret unmasked: a credential in a repository is an
#   incident, not content. The proxy finds and masks only the last three by pattern
#   (`maskable` in data.json); the others name what a tool returns and are never masked
#   (deny the call instead).
package mcp.dataclass

# METADATA
# description: |
#   The classes the proxy masks in the answer of a tool whose result declares `declared`,
#   for a subject holding `roles` where the call goes: every maskable class, and every
#   declared one, that none of `roles` may see unmasked. The mask starts from every class
#   the proxy can find, not from the declaration: a tool that returns more than its
#   catalogue entry says (a file with an e-mail address in it, a pull request's
#   description) still has it masked. A declaration can add to the mask (a class this
#   policy knows), never narrow it.
#   Sorted, so decisions compare and cache as equal.
masked(declared, roles) := sort([class |
	some class in (_maskable | declared)
	class in _known
	not _unmasked_for_any(class, roles)
])

# The classes the proxy can find by pattern (its MaskRules): the ones a mask can hide.
_maskable := {class | some class in data.mcp.dataclass.maskable}

# Every class this policy names. A class a server declares that is none of these means
# nothing to the proxy, so it stays out of the mask (and out of the decision schema).
_known := _maskable | {class |
	some classes in data.mcp.dataclass.unmasked
	some class in classes
}

_unmasked_for_any(class, roles) if {
	some role in roles
	class in data.mcp.dataclass.unmasked[role]
}
