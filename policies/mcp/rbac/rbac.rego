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
# description: |
#   Every grant `subject` (the policy input's subject) holds, as {"role", "workspace",
#   "repository"}.
grants(subject) := (_role_grants(subject) | _group_grants(subject)) | _anonymous_grants(subject)

# METADATA
# description: |
#   The roles whose grants to `subject` cover `target`, an object {"workspace",
#   "repository"} of lower-case slugs; a part that is null (the tool does not name one)
#   is covered by any grant.
roles_for(subject, target) := {grant.role |
	some grant in grants(subject)
	_covers(grant.workspace, target.workspace)
	_covers(grant.repository, target.repository)
}

# METADATA
# description: The tool classes the roles of `subject` that cover `target` may call.
classes_for(subject, target) := classes_of(roles_for(subject, target))

# METADATA
# description: The tool classes `roles` (role names this policy defines) may call.
classes_of(roles) := {class |
	some role in roles
	some class in data.mcp.rbac.roles[role].classes
}

# METADATA
# description: |
#   The tool classes `subject` may call somewhere: what tools/list shows. Where a call
#   may go is decided per call, from its arguments.
classes_anywhere(subject) := {class |
	some grant in grants(subject)
	some class in data.mcp.rbac.roles[grant.role].classes
}

# METADATA
# description: |
#   The roles `subject` holds somewhere, whatever their scope: what allows prompts and
#   resources (mcp.exposure), which belong to no workspace.
roles_anywhere(subject) := {grant.role | some grant in grants(subject)}

_role_grants(subject) := {grant |
	some entry in subject.roles
	grant := _role_grant(entry, object.get(subject, "tenant", null))
}

_group_grants(subject) := {grant |
	some group in subject.groups
	some binding in data.mcp.rbac.group_bindings[group]
	grant := _grant(binding.role, binding.scope)
}

# Only a subject nobody authenticated gets these.
_anonymous_grants(subject) := {grant |
	subject.authenticated == false
	some binding in data.mcp.rbac.anonymous_bindings
	grant := _grant(binding.role, binding.scope)
}

_role_grant(entry, _) := _grant(parts[0], parts[1]) if {
	parts := split(entry, "@")
	count(parts) == 2
}

_role_grant(entry, tenant) := _grant(entry, _tenant_scope(tenant)) if not contains(entry, "@")

_tenant_scope(tenant) := concat("", [tenant, "/*"]) if is_string(tenant)

_tenant_scope(tenant) := "*/*" if not is_string(tenant)

# A role this policy does not define, or a scope that is not "workspace/repository",
# grants nothing.
_grant(role, scope) := {"role": lower(role), "workspace": parts[0], "repository": parts[1]} if {
	lower(role) in object.keys(data.mcp.rbac.roles)
	parts := split(lower(scope), "/")
	count(parts) == 2
}

_covers(_, null) := true

# "/" as the only delimiter: "*" then spans dots, which slugs contain, but never a "/".
_covers(pattern, value) if glob.match(pattern, ["/"], value)
