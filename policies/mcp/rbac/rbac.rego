# METADATA
# title: Roles and where they apply
# description: |
#   Who may call which class of tool, and on which Bitbucket workspaces and repositories.
#   A grant is a role with a scope "workspace/repository", each part a glob ("acme/*",
#   "acme/payments-*", "*/*"). Grants come from three places:
#   - the subject's roles: "developer@acme/*" names its scope; a bare "developer" applies
#     to the subject's tenant workspace ("<tenant>/*"), or everywhere when no tenant;
#   - the subject's identity-provider groups, through `group_bindings` (data.json);
#   - for a subject nobody authenticated, `anonymous_bindings` (data.json): empty, so an
#     unauthenticated caller gets no role; bind one only for local development with auth off.
#   Role and scope names are matched case-insensitively, as Bitbucket slugs are.
package mcp.rbac

# METADATA
# scope: document
# description: Every grant the subject holds, as {"role", "workspace", "repository"}.
grants contains grant if {
	some entry in input.subject.roles
	grant := _role_grant(entry)
}

grants contains grant if {
	some group in input.subject.groups
	some binding in _group_bindings[group]
	grant := _grant(binding.role, binding.scope)
}

grants contains grant if {
	input.subject.authenticated == false
	some binding in _anonymous_bindings
	grant := _grant(binding.role, binding.scope)
}

# METADATA
# description: |
#   The roles whose grants cover `target`, an object {"workspace", "repository"} of
#   lower-case slugs; a part that is null (the tool does not name one) is covered by
#   any grant.
roles_for(target) := {grant.role |
	some grant in grants
	_covers(grant.workspace, target.workspace)
	_covers(grant.repository, target.repository)
}

# METADATA
# description: The tool classes the roles covering `target` may call.
classes_for(target) := {class |
	some role in roles_for(target)
	some class in _roles[role].classes
}

# METADATA
# description: |
#   The tool classes the subject may call somewhere: what tools/list shows. Where a
#   call may go is decided per call, from its arguments.
classes_anywhere contains class if {
	some grant in grants
	some class in _roles[grant.role].classes
}

_role_grant(entry) := _grant(parts[0], parts[1]) if {
	parts := split(entry, "@")
	count(parts) == 2
}

_role_grant(entry) := _grant(entry, _tenant_scope) if not contains(entry, "@")

default _tenant_scope := "*/*"

_tenant_scope := concat("", [input.subject.tenant, "/*"]) if is_string(input.subject.tenant)

# A role this policy does not define, or a scope that is not "workspace/repository",
# grants nothing.
_grant(role, scope) := {"role": lower(role), "workspace": parts[0], "repository": parts[1]} if {
	lower(role) in object.keys(_roles)
	parts := split(lower(scope), "/")
	count(parts) == 2
}

_covers(_, null) := true

# "/" as the only delimiter: "*" then spans dots, which slugs contain, but never a "/".
_covers(pattern, value) if glob.match(pattern, ["/"], value)

# The references to this package's data document (data.json beside this file), which
# Regal does not read.
# regal ignore:unresolved-reference
_roles := data.mcp.rbac.roles

# regal ignore:unresolved-reference
_group_bindings := data.mcp.rbac.group_bindings

# regal ignore:unresolved-reference
_anonymous_bindings := data.mcp.rbac.anonymous_bindings
