package mcp.exposure_test

import data.mcp.exposure

allowances := {
	"prompts": {"viewer": ["simple-prompt"], "developer": ["simple-prompt", "args-*", 7]},
	"resources": {"viewer": ["demo://resource/static/*"]},
}

subject(roles) := {"id": "u-1", "authenticated": true, "roles": roles, "groups": [], "tenant": null}

test_a_role_sees_the_patterns_the_data_gives_it if {
	prompts := exposure.visible("prompts", subject(["viewer"])) with exposure.allowances as allowances
	prompts == ["simple-prompt"]
	resources := exposure.visible("resources", subject(["viewer"])) with exposure.allowances as allowances
	resources == ["demo://resource/static/*"]
}

test_several_roles_see_the_union_once_and_ignore_what_is_no_string if {
	visible := exposure.visible("prompts", subject(["viewer", "developer"]))
		with exposure.allowances as allowances
	visible == ["args-*", "simple-prompt"]
}

test_a_role_or_kind_the_data_does_not_name_sees_nothing if {
	exposure.visible("resources", subject(["developer"])) == [] with exposure.allowances as allowances
	exposure.visible("tools", subject(["viewer"])) == [] with exposure.allowances as allowances
	exposure.visible("prompts", subject([])) == [] with exposure.allowances as allowances
}

test_a_get_or_read_is_allowed_by_a_matching_pattern_only if {
	exposure.allowed("prompts", subject(["developer"]), "args-prompt") with exposure.allowances as allowances
	not exposure.allowed("prompts", subject(["viewer"]), "args-prompt") with exposure.allowances as allowances
	exposure.allowed("resources", subject(["viewer"]), "demo://resource/static/document/a.md")
		with exposure.allowances as allowances
	not exposure.allowed("resources", subject(["viewer"]), "demo://resource/static/../secret")
		with exposure.allowances as allowances
}

test_the_shipped_data_allows_nothing if {
	exposure.visible("prompts", subject(["admin"])) == []
	exposure.visible("resources", subject(["admin"])) == []
}
