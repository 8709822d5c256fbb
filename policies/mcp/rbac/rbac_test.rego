package mcp.rbac_test

import data.mcp.rbac

subject(fields) := object.union(
	{"id": "u-1", "authenticated": true, "roles": [], "groups": [], "tenant": null},
	fields,
)

test_a_scoped_role_grants_its_scope if {
	rbac.grants(subject({"roles": ["developer@acme/payments-*"]})) == {
		{"role": "developer", "workspace": "acme", "repository": "payments-*"},
	}
}

test_a_bare_role_applies_to_the_tenant_or_everywhere if {
	rbac.grants(subject({"roles": ["viewer"], "tenant": "acme"})) == {
		{"role": "viewer", "workspace": "acme", "repository": "*"},
	}
	rbac.grants(subject({"roles": ["admin"]})) == {{"role": "admin", "workspace": "*", "repository": "*"}}
}

test_groups_are_bound_to_roles_and_unknown_groups_grant_nothing if {
	rbac.grants(subject({"groups": ["ci-bots", "nobody-knows-this-group"]})) == {
		{"role": "service-account", "workspace": "acme", "repository": "*"},
	}
}

test_malformed_scopes_and_unknown_roles_grant_nothing if {
	count(rbac.grants(subject({"roles": ["viewer@acme", "viewer@a/b/c", "owner@acme/*", "a@b@c"]}))) == 0
}

test_a_subject_without_roles_or_groups_has_no_grant if {
	count(rbac.grants({"id": "u-1", "authenticated": true})) == 0
}

test_only_an_unauthenticated_subject_gets_the_anonymous_bindings if {
	bindings := [{"role": "viewer", "scope": "acme/*"}]
	count(rbac.grants(subject({}))) == 0 with rbac.anonymous_bindings as bindings

	anonymous := rbac.grants(subject({"authenticated": false})) with rbac.anonymous_bindings as bindings
	anonymous == {{"role": "viewer", "workspace": "acme", "repository": "*"}}
}

test_an_unauthenticated_subject_gets_no_grant_by_default if {
	count(rbac.grants(subject({"authenticated": false}))) == 0
}

test_roles_for_a_target_follow_the_globs if {
	given := subject({"roles": ["developer@acme/payments-*", "viewer@acme/*"]})
	rbac.roles_for(given, {"workspace": "acme", "repository": "payments-api"}) == {"developer", "viewer"}
	rbac.roles_for(given, {"workspace": "acme", "repository": "billing"}) == {"viewer"}
	rbac.roles_for(given, {"workspace": "acme", "repository": null}) == {"developer", "viewer"}
	rbac.roles_for(given, {"workspace": "globex", "repository": "payments-api"}) == set()
}

test_a_star_never_spans_a_slash if {
	rbac.roles_for(subject({"roles": ["viewer@acme/*"]}), {"workspace": "acme", "repository": "a/b"}) == set()
}

test_classes_come_from_the_covering_roles_and_anywhere_from_all if {
	given := subject({"roles": ["maintainer@globex/*", "viewer@acme/*"]})
	rbac.classes_for(given, {"workspace": "acme", "repository": "x"}) == {"read"}
	rbac.classes_anywhere(given) == {"read", "write", "dangerous"}
}

test_the_subject_is_read_from_the_argument_never_from_input if {
	given := {"subject": subject({"roles": ["admin"]})}
	count(rbac.grants(subject({}))) == 0 with input as given
}
