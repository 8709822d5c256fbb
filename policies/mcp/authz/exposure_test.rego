package mcp.authz_test

# Prompts and resources (mcp.exposure): the lists are allowed and carry the patterns the
# subject's roles allow; a get, read or subscribe is decided for its one item.

allowances := {
	"prompts": {"viewer": ["simple-prompt"], "developer": ["simple-prompt", "args-prompt"]},
	"resources": {"viewer": ["demo://resource/static/*"], "developer": ["demo://resource/*"]},
}

item_housekeeping(method, lists) := object.union(
	housekeeping(sprintf("%q is protocol housekeeping", [method])),
	{"lists": lists},
)

test_prompts_list_is_allowed_and_shows_the_prompts_of_the_subjects_roles if {
	viewer := message_from(user(["viewer@acme/*"]), {"method": "prompts/list"})
	decide(viewer) == item_housekeeping("prompts/list", {"prompts": ["simple-prompt"]})
		with data.mcp.exposure.allowances as allowances
	developer := message_from(member_of(["acme-developers"]), {"method": "prompts/list"})
	decide(developer).lists == {"prompts": ["args-prompt", "simple-prompt"]}
		with data.mcp.exposure.allowances as allowances
}

test_both_resource_lists_show_the_resource_patterns_of_the_subjects_roles if {
	every method in ["resources/list", "resources/templates/list"] {
		given := message_from(user(["viewer"]), {"method": method})
		decide(given) == item_housekeeping(method, {"resources": ["demo://resource/static/*"]})
			with data.mcp.exposure.allowances as allowances
	}
}

test_a_subject_without_a_role_lists_nothing if {
	decide(message_from(anonymous, {"method": "prompts/list"})).lists == {"prompts": []}
		with data.mcp.exposure.allowances as allowances
	decide(message_from(anonymous, {"method": "resources/list"})).lists == {"resources": []}
		with data.mcp.exposure.allowances as allowances
}

test_the_shipped_data_lists_no_prompt_and_no_resource if {
	decide(message_from(user(["admin"]), {"method": "prompts/list"})).lists == {"prompts": []}
	decide(message_from(user(["admin"]), {"method": "resources/templates/list"})).lists == {"resources": []}
}

test_an_allowed_prompt_is_got_with_every_maskable_class_the_roles_may_not_see if {
	given := message_from(user(["viewer"]), {"method": "prompts/get", "prompt": "simple-prompt"})
	decide(given) == object.union(
		housekeeping(`your roles allow prompt "simple-prompt"`),
		{
			"mask": ["internal_infrastructure", "personal_data", "secret"],
			"quota": {"key": `[["subject",null,"u-1"],"read"]`, "limit": 600, "window_ms": 60000, "cost": 1},
		},
	)
		with data.mcp.exposure.allowances as allowances
}

test_items_take_from_the_read_quota_of_the_subjects_best_role if {
	subject := user(["viewer@acme/*", "admin@globex/*"])
	read := message_from(subject, {"method": "resources/read", "resource": "demo://resource/static/a.md"})
	decide(read).quota == {"key": `[["subject",null,"u-1"],"read"]`, "limit": 1200, "window_ms": 60000, "cost": 1}
		with data.mcp.exposure.allowances as allowances
	tool := call_by(subject, "get_repository", {"workspace": "acme", "repo": "api"})
	decide(tool).quota.key == decide(read).quota.key with data.mcp.exposure.allowances as allowances
}

test_a_refused_item_takes_no_quota if {
	given := message_from(user(["viewer"]), {"method": "prompts/get", "prompt": "args-prompt"})
	decide(given).quota == null with data.mcp.exposure.allowances as allowances
}

test_a_prompt_the_roles_do_not_allow_is_refused_by_name if {
	given := message_from(user(["viewer"]), {"method": "prompts/get", "prompt": "args-prompt"})
	decide(given) == denied(`your roles do not allow prompt "args-prompt"`)
		with data.mcp.exposure.allowances as allowances
}

test_a_prompts_get_without_a_name_is_refused if {
	given := message_from(user(["developer"]), {"method": "prompts/get"})
	decide(given) == denied("your roles do not allow prompt null") with data.mcp.exposure.allowances as allowances
}

test_a_resource_under_an_allowed_prefix_is_read_and_subscribed if {
	every method in ["resources/read", "resources/subscribe"] {
		given := message_from(
			user(["maintainer", "viewer"]),
			{"method": method, "resource": "demo://resource/static/document/a.md"},
		)
		decision := decide(given) with data.mcp.exposure.allowances as allowances
		decision.allow
		decision.reasons == [`your roles allow resource "demo://resource/static/document/a.md"`]
		decision.mask == ["internal_infrastructure", "secret"]
		decision.lists == null
	}
}

test_a_resource_outside_the_roles_patterns_is_refused if {
	outside := message_from(user(["viewer"]), {"method": "resources/read", "resource": "demo://resource/dynamic/text/1"})
	decide(outside) == denied(`your roles do not allow resource "demo://resource/dynamic/text/1"`)
		with data.mcp.exposure.allowances as allowances
	climbing := message_from(
		user(["viewer"]),
		{"method": "resources/subscribe", "resource": "demo://resource/static/../dynamic/text/1"},
	)
	not decide(climbing).allow with data.mcp.exposure.allowances as allowances
}

test_unsubscribing_is_housekeeping if {
	given := message_from(anonymous, {"method": "resources/unsubscribe", "resource": "demo://x"})
	decide(given) == housekeeping(`"resources/unsubscribe" is protocol housekeeping`)
}

test_an_item_request_sent_as_a_notification_is_no_item_request if {
	given := message_from(user(["viewer"]), {"kind": "notification", "method": "prompts/get", "prompt": "simple-prompt"})
	decide(given) == denied(`notification "prompts/get" is not allowed`) with data.mcp.exposure.allowances as allowances
}
