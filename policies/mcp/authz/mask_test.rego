package mcp.authz_test

import data.mcp.tools

# The decision's mask (helpers in authz_test.rego).

test_masks_depend_on_the_roles_that_cover_the_target if {
	read := {"workspace": "acme", "repo": "payments-api"}
	decide(call_by(user(["viewer@acme/*"]), "get_pull_request", read)).mask == [
		"internal_infrastructure",
		"personal_data", "secret",
	]
	decide(call_by(user(["maintainer@acme/*"]), "get_pull_request", read)).mask == ["internal_infrastructure", "secret"]
	decide(call_by(user(["admin"]), "get_file_content", read)).mask == ["secret"]
	decide(call_by(user(["viewer@acme/*", "maintainer@globex/*"]), "list_commits", read)).mask == [
		"internal_infrastructure",
		"personal_data",
		"secret",
	]
	decide(call_by(user(["viewer@acme/*"]), "list_pull_request_comments", read)).mask == [
		"internal_infrastructure",
		"personal_data", "secret",
	]
}

# `call` with the data classes the server declared for its tool in tools/list.
declared(call, classes) := object.union(
	call,
	{"tool": {"annotations": {"readOnlyHint": true}, "data_classes": classes}},
)

test_data_classes_the_server_declares_add_to_the_mask_but_never_narrow_it if {
	call := call_by(user(["maintainer@acme/*"]), "get_repository", acme_api)
	decide(declared(call, ["repository_metadata"])).mask == ["internal_infrastructure", "secret"]
	decide(declared(call, [])).mask == ["internal_infrastructure", "secret"]
	decide(declared(call, ["secret", 7, "customer_records"])).mask == ["internal_infrastructure", "secret"]

	# Classes no role there may see, from the catalogue (repository_metadata) and the server (source_code).
	unmasked := object.union(data.mcp.dataclass.unmasked, {"maintainer": ["personal_data"]})
	decide(declared(call, ["source_code"])).mask == [
		"internal_infrastructure", "repository_metadata",
		"secret", "source_code",
	] with data.mcp.dataclass.unmasked as unmasked
}

# Every tool of the catalogue, for every role allowed to call it: the mask is every class
# the proxy can find that the role may not see, whatever the catalogue declares for the
# tool. One test per role keeps each within opa test's timeout on a busy machine.

test_every_catalogue_tool_masks_for_a_viewer_every_class_it_may_not_see if {
	masks_of_allowed_calls("viewer") == {tool: all_three | some tool in tools.read_only}
}

test_every_catalogue_tool_masks_for_a_developer_every_class_it_may_not_see if {
	masks_of_allowed_calls("developer") == {tool: all_three | some tool in (tools.read_only | tools.write)}
}

test_every_catalogue_tool_masks_for_a_service_account_every_class_it_may_not_see if {
	masks_of_allowed_calls("service-account") == {tool: all_three | some tool in (tools.read_only | tools.write)}
}

test_every_catalogue_tool_masks_for_a_maintainer_internal_hosts_and_secrets if {
	masks_of_allowed_calls("maintainer") == {tool: ["internal_infrastructure", "secret"] | some tool in tools.known}
}

test_every_catalogue_tool_masks_secrets_even_for_an_admin if {
	masks_of_allowed_calls("admin") == {tool: ["secret"] | some tool in tools.known}
}

test_the_catalogue_mask_tests_cover_every_role if {
	object.keys(data.mcp.rbac.roles) == {"viewer", "developer", "service-account", "maintainer", "admin"}
}

all_three := ["internal_infrastructure", "personal_data", "secret"]

# The mask of every catalogue tool that `role` (on acme, with a fresh second factor) may call.
masks_of_allowed_calls(role) := {tool: decision.mask |
	some tool in tools.known
	decision := decide(call_by(with_mfa(user([sprintf("%s@acme/*", [role])]), now_s), tool, acme_api))
	decision.allow
}

test_a_catalogue_entry_that_declares_nothing_is_masked_in_full if {
	catalogue := {"get_thing": {"class": "read", "scope": "repository", "data_classes": []}}
	decision := decide(call_by(user(["viewer@acme/*"]), "get_thing", acme_api)) with tools.catalogue as catalogue
	decision.allow
	decision.mask == ["internal_infrastructure", "personal_data", "secret"]
}

test_a_denied_call_masks_nothing_and_has_no_quota if {
	decision := decide(call_by(user([]), "get_file_content", acme_api))
	decision.mask == []
	decision.quota == null
}
