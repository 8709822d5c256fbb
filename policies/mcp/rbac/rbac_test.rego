package mcp.rbac_test

import data.mcp.rbac

subject(fields) := object.union(
	{"id": "u-1", "authenticated": true, "roles": [], "groups": [], "tenant": null},
	fields,
)

test_a_scoped_role_grants_its_scope if {
	grants := rbac.grants with input as {"subject": subject({"roles": ["developer@acme/payments-*"]})}
	grants == {{"role": "developer", "workspace": "acme", "repository": "payments-*"}}
}

test_a_bare_role_applies_to_the_tenant_or_everywhere if {
	tenant := rbac.grants with input as {"subject": subject({"roles": ["viewer"], "tenant": "acme"})}
	tenant == {{"role": "viewer", "workspace": "acme", "repository": "*"}}
	global := rbac.grants with input as {"subject": subject({"roles": ["admin"]})}
	global == {{"role": "admin", "workspace": "*", "repository": "*"}}
}

test_groups_are_bound_to_roles_and_unknown_groups_grant_nothing if {
	given := {"subject": subject({"groups": ["ci-bots", "nobody-knows-this-group"]})}
	rbac.grants == {{"role": "service-account", "workspace": "acme", "repository": "*"}} with input as given
}

test_malformed_scopes_and_unknown_roles_grant_nothing if {
	given := {"subject": subject({"roles": ["viewer@acme", "viewer@a/b/c", "owner@acme/*", "a@b@c"]})}
	count(rbac.grants) == 0 with input as given
}

test_only_an_unauthenticated_subject_gets_the_anonymous_bindings if {
	bindings := [{"role": "viewer", "scope": "acme/*"}]

	# regal ignore:unresolved-reference
	count(rbac.grants) == 0 with input as {"subject": subject({})} with rbac.anonymous_bindings as bindings

	unauthenticated := {"subject": subject({"authenticated": false})}

	# regal ignore:unresolved-reference
	anonymous := rbac.grants with input as unauthenticated with rbac.anonymous_bindings as bindings
	anonymous == {{"role": "viewer", "workspace": "acme", "repository": "*"}}
}

test_an_unauthenticated_subject_gets_no_grant_by_default if {
	count(rbac.grants) == 0 with input as {"subject": subject({"authenticated": false})}
}

test_roles_for_a_target_follow_the_globs if {
	given := {"subject": subject({"roles": ["developer@acme/payments-*", "viewer@acme/*"]})}
	rbac.roles_for({"workspace": "acme", "repository": "payments-api"}) == {"developer", "viewer"} with input as given
	rbac.roles_for({"workspace": "acme", "repository": "billing"}) == {"viewer"} with input as given
	rbac.roles_for({"workspace": "acme", "repository": null}) == {"developer", "viewer"} with input as given
	rbac.roles_for({"workspace": "globex", "repository": "payments-api"}) == set() with input as given
}

test_a_star_never_spans_a_slash if {
	given := {"subject": subject({"roles": ["viewer@acme/*"]})}
	rbac.roles_for({"workspace": "acme", "repository": "a/b"}) == set() with input as given
}

test_classes_come_from_the_covering_roles_and_anywhere_from_all if {
	given := {"subject": subject({"roles": ["maintainer@globex/*", "viewer@acme/*"]})}
	rbac.classes_for({"workspace": "acme", "repository": "x"}) == {"read"} with input as given
	rbac.classes_anywhere == {"read", "write", "dangerous"} with input as given
}
