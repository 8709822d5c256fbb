package mcp.authz_test

import data.mcp.authz
import data.mcp.tools

# A whole version 2 policy input, as the proxy sends it, for `subject` and the given message fields.
message_from(subject, fields) := {
	"version": "2",
	"subject": subject,
	"request": object.union(
		{
			"direction": "client_to_server",
			"kind": "request",
			"id": 7,
			"session_id": "0f1e2d3c",
			"protocol_version": "2025-11-25",
		},
		fields,
	),
	"tool": null,
	"transport": {"client_address": "127.0.0.1", "tls": false, "http_method": "POST", "path": "/mcp", "batch_size": 1},
}

message(fields) := message_from(user([]), fields)

# 2026-11-24T23:00:00Z, the clock of every test below.
now_s := 1795993200

now_ns := now_s * 1000000000

user(roles) := {
	"id": "u-1", "authenticated": true, "auth_method": "jwt", "roles": roles, "groups": [], "tenant": null,
	"amr": ["pwd"], "acr": null, "auth_time": now_s - 60, "client_id": "ide",
}

member_of(groups) := object.union(user([]), {"groups": groups})

with_mfa(subject, auth_time) := object.union(subject, {"amr": ["pwd", "otp"], "auth_time": auth_time})

anonymous := {
	"id": "anonymous", "authenticated": false, "auth_method": "none", "roles": [], "groups": [],
	"tenant": null, "amr": [], "acr": null, "auth_time": null, "client_id": null,
}

acme_api := {"workspace": "acme", "repo": "payments-api"}

call_by(subject, tool, arguments) := message_from(
	subject,
	{"method": "tools/call", "tool": tool, "arguments": arguments},
)

# The decision for `given`, with the clock at now_s.
decide(given) := decision if {
	# The one helper that evaluates the entry point: the input and the clock are its fixtures.
	# regal ignore:with-outside-test-context,external-reference
	decision := authz.decision with input as given with time.now_ns as now_ns
}

terms(allow, reasons) := {
	"allow": allow, "reasons": reasons, "mask": [], "quota": null,
	"obligations": {"require_mfa": null, "audit_level": "high"},
	"cache_ttl_ms": 5000, "lists": null,
}

housekeeping(reason) := object.union(
	terms(true, [reason]),
	{"obligations": {"require_mfa": null, "audit_level": "normal"}, "cache_ttl_ms": 60000},
)

denied(reason) := terms(false, [reason])

# Protocol housekeeping

test_initialize_is_allowed_as_housekeeping_and_counted_as_a_session if {
	decision := decide(message({"method": "initialize"}))
	object.remove(decision, ["quota"]) == object.remove(
		housekeeping(`"initialize" is protocol housekeeping`),
		["quota"],
	)
	decision.quota.key == `[["subject",null,"u-1"],"session"]`
	decision.quota.limit == data.mcp.quota.sessions.limit
}

test_ping_and_logging_set_level_are_allowed_as_housekeeping if {
	decide(message({"method": "ping"})) == housekeeping(`"ping" is protocol housekeeping`)
	decide(message({"method": "logging/setLevel"})) == housekeeping(`"logging/setLevel" is protocol housekeeping`)
}

test_any_notification_in_the_notifications_namespace_is_allowed if {
	every method in ["notifications/initialized", "notifications/cancelled", "notifications/roots/list_changed"] {
		given := message({"kind": "notification", "method": method, "id": null})
		decide(given) == housekeeping(sprintf("notification %q is protocol housekeeping", [method]))
	}
}

test_a_response_to_a_server_request_is_allowed if {
	given := json.remove(message({"kind": "response", "id": 3}), ["request/method"])
	decide(given) == housekeeping("responses to the server's own requests are allowed")
}

test_a_notification_outside_the_notifications_namespace_is_denied if {
	decide(message({"kind": "notification", "method": "ping"})) == denied(`notification "ping" is not allowed`)
}

# RBAC: each role by tool class

test_a_viewer_may_read_but_not_write_or_merge if {
	viewer := user(["viewer@acme/*"])
	decide(call_by(viewer, "get_repository", acme_api)).allow
	no_write := `your roles do not allow write tool "create_pull_request" here`
	decide(call_by(viewer, "create_pull_request", acme_api)) == denied(no_write)
	decide(call_by(viewer, "merge_pull_request", acme_api)).reasons == [
		`your roles do not allow dangerous tool "merge_pull_request" here`,
	]
}

test_a_developer_may_read_and_write_but_not_merge if {
	developer := user(["developer@acme/*"])
	every tool in tools.read_only | tools.write {
		decide(call_by(developer, tool, acme_api)).allow
	}
	every tool in tools.dangerous {
		not decide(call_by(developer, tool, acme_api)).allow
	}
}

test_a_maintainer_and_an_admin_may_call_every_tool_with_a_recent_second_factor if {
	every role in ["maintainer@acme/*", "admin"] {
		subject := with_mfa(user([role]), now_s - 120)
		every tool in tools.known {
			decide(call_by(subject, tool, acme_api)).allow
		}
	}
}

test_a_service_account_may_read_and_write_but_never_call_a_dangerous_tool if {
	bot := object.union(user(["service-account@acme/*"]), {"auth_method": "api_key"})
	decide(call_by(bot, "list_commits", acme_api)).allow
	decide(call_by(bot, "add_pull_request_comment", acme_api)).allow
	not decide(call_by(with_mfa(bot, now_s), "delete_branch", acme_api)).allow
}

test_an_allowed_read_carries_its_mask_quota_and_a_short_cache_ttl if {
	decision := decide(call_by(user(["developer@acme/*"]), "list_pull_requests", acme_api))
	decision == {
		"allow": true,
		"reasons": [`your roles allow read tool "list_pull_requests" here`],
		"mask": ["internal_infrastructure", "personal_data", "secret"],
		"quota": {"key": `[["subject",null,"u-1"],"read"]`, "limit": 600, "window_ms": 60000, "cost": 1},
		"obligations": {"require_mfa": null, "audit_level": "normal"},
		"cache_ttl_ms": 5000,
		"lists": null,
	}
}

test_a_write_is_audited_in_full if {
	decide(call_by(user(["developer@acme/*"]), "create_pull_request", acme_api)).obligations.audit_level == "high"
}

test_a_subject_without_any_role_may_call_nothing if {
	reason := `your roles do not allow read tool "get_repository" here`
	decide(call_by(user([]), "get_repository", acme_api)) == denied(reason)
}

test_a_role_this_policy_does_not_define_grants_nothing if {
	not decide(call_by(user(["superuser", "root@*/*", "viewer@acme"]), "get_repository", acme_api)).allow
}

# RBAC: workspaces and repositories, from the call's arguments

test_a_developer_of_acme_may_not_read_globex if {
	developer := user(["developer@acme/*"])
	decide(call_by(developer, "get_repository", acme_api)).allow
	globex := {"workspace": "globex", "repo": "payments-api"}
	reason := `your roles do not allow read tool "get_repository" here`
	decide(call_by(developer, "get_repository", globex)) == denied(reason)
}

test_groups_map_to_scoped_roles if {
	subject := member_of(["acme-developers", "globex-viewers-unknown-group"])
	decide(call_by(subject, "create_pull_request", acme_api)).allow
	not decide(call_by(subject, "list_commits", {"workspace": "globex", "repo": "x"})).allow
}

test_a_repository_pattern_limits_a_role_to_matching_repositories if {
	team := member_of(["payments-team"])
	decide(call_by(team, "create_pull_request", acme_api)).allow
	not decide(call_by(team, "create_pull_request", {"workspace": "acme", "repo": "billing"})).allow
	decide(call_by(team, "list_repositories", {"workspace": "acme"})).allow
}

test_slugs_match_case_insensitively if {
	shouting := {"workspace": "Acme", "repo": "Payments-API"}
	decide(call_by(user(["Developer@ACME/*"]), "get_repository", shouting)).allow
}

test_a_bare_role_applies_to_the_tenant_workspace if {
	tenant_dev := object.union(user(["developer"]), {"tenant": "acme"})
	decide(call_by(tenant_dev, "get_repository", acme_api)).allow
	not decide(call_by(tenant_dev, "get_repository", {"workspace": "globex", "repo": "x"})).allow
}

test_a_tool_without_a_scope_needs_only_some_role if {
	decide(call_by(user(["viewer@globex/*"]), "list_workspaces", {})).allow
}

test_a_missing_or_malformed_scope_argument_is_denied if {
	developer := user(["developer@acme/*"])
	reason := `tool "get_repository" needs workspace and repo arguments that are slugs`
	decide(call_by(developer, "get_repository", {"workspace": "acme"})) == denied(reason)
	decide(call_by(developer, "get_repository", {"workspace": "acme", "repo": "*"})) == denied(reason)
	decide(call_by(developer, "get_repository", {"workspace": ["acme"], "repo": "api"})) == denied(reason)
	decide(call_by(developer, "get_repository", {"workspace": "acme/x", "repo": "api"})) == denied(reason)
}

test_anonymous_callers_get_nothing_by_default if {
	not decide(call_by(anonymous, "get_repository", acme_api)).allow
}

test_anonymous_callers_get_the_anonymous_bindings_and_a_bucket_per_address if {
	bindings := [{"role": "viewer", "scope": "acme/*"}]
	decision := decide(call_by(anonymous, "get_repository", acme_api)) with data.mcp.rbac.anonymous_bindings as bindings
	decision.allow
	decision.quota.key == `[["anonymous","127.0.0.1"],"read"]`
	not decide(call_by(anonymous, "create_pull_request", acme_api)).allow with data.mcp.rbac.anonymous_bindings as bindings
	globex := {"workspace": "globex", "repo": "x"}
	not decide(call_by(anonymous, "get_repository", globex)).allow with data.mcp.rbac.anonymous_bindings as bindings
}

# Annotations the server declared

test_a_server_calling_a_read_tool_destructive_makes_it_dangerous if {
	given := object.union(
		call_by(user(["developer@acme/*"]), "get_repository", acme_api),
		{"tool": {"annotations": {"readOnlyHint": false, "destructiveHint": true}}},
	)
	decide(given).reasons == [`your roles do not allow dangerous tool "get_repository" here`]
}

test_a_server_calling_a_read_tool_not_read_only_makes_it_a_write if {
	given := object.union(
		call_by(user(["viewer@acme/*"]), "get_repository", acme_api),
		{"tool": {"annotations": {"readOnlyHint": false}}},
	)
	decide(given).reasons == [`your roles do not allow write tool "get_repository" here`]
}

test_a_server_calling_a_write_tool_read_only_does_not_lower_it if {
	given := object.union(
		call_by(user(["viewer@acme/*"]), "create_pull_request", acme_api),
		{"tool": {"annotations": {"readOnlyHint": true, "destructiveHint": false}}},
	)
	not decide(given).allow
}

# Quotas

test_quotas_follow_role_and_tool_class if {
	developer := with_mfa(user(["developer@acme/*"]), now_s)
	decide(call_by(developer, "create_pull_request", acme_api)).quota.limit == 30
	maintainer := with_mfa(user(["maintainer@acme/*"]), now_s)
	decide(call_by(maintainer, "merge_pull_request", acme_api)).quota == {
		"key": `[["subject",null,"u-1"],"dangerous"]`, "limit": 5, "window_ms": 3600000, "cost": 1,
	}
}

test_the_most_generous_role_sets_the_limit if {
	decide(call_by(user(["viewer@acme/*", "admin"]), "get_repository", acme_api)).quota.limit == 1200
}

test_the_quota_key_names_the_tenant if {
	subject := object.union(user(["developer"]), {"tenant": "acme"})
	decide(call_by(subject, "get_repository", acme_api)).quota.key == `[["subject","acme","u-1"],"read"]`
}

# MFA step-up

test_a_dangerous_tool_without_a_second_factor_asks_for_step_up if {
	decision := decide(call_by(user(["maintainer@acme/*"]), "merge_pull_request", acme_api))
	decision == {
		"allow": false,
		"reasons": [concat("", [
			`tool "merge_pull_request" is dangerous and needs a second factor within the last 900 seconds:`,
			" authenticate again (step-up)",
		])],
		"mask": [],
		"quota": null,
		"obligations": {
			"require_mfa": {"amr_any": ["hwk", "mfa", "otp", "swk"], "max_age_s": 900},
			"audit_level": "high",
		},
		"cache_ttl_ms": 0,
		"lists": null,
	}
}

test_step_up_then_allow if {
	maintainer := user(["maintainer@acme/*"])
	not decide(call_by(maintainer, "delete_branch", acme_api)).allow
	decision := decide(call_by(with_mfa(maintainer, now_s - 10), "delete_branch", acme_api))
	decision.allow
	decision.obligations == {"require_mfa": null, "audit_level": "high"}
	decision.cache_ttl_ms == 0
}

test_an_old_second_factor_asks_for_step_up_again if {
	decision := decide(call_by(with_mfa(user(["maintainer@acme/*"]), now_s - 901), "merge_pull_request", acme_api))
	decision.obligations.require_mfa.max_age_s == 900
}

test_an_auth_time_in_the_future_is_not_trusted if {
	not decide(call_by(with_mfa(user(["admin"]), now_s + 61), "merge_pull_request", acme_api)).allow
	decide(call_by(with_mfa(user(["admin"]), now_s + 59), "merge_pull_request", acme_api)).allow
}

test_a_subject_without_the_role_is_not_offered_step_up if {
	decision := decide(call_by(with_mfa(user(["developer@acme/*"]), now_s), "merge_pull_request", acme_api))
	decision.obligations.require_mfa == null
}

# Lists

test_tools_list_shows_the_tools_whose_class_the_subject_may_call if {
	viewer := decide(message_from(user(["viewer@acme/*"]), {"method": "tools/list"}))
	viewer.allow
	viewer.lists.tools == sort([t | some t in tools.read_only])
	viewer.cache_ttl_ms == 60000
	developer := decide(message_from(member_of(["acme-developers"]), {"method": "tools/list"}))
	count(developer.lists.tools) == 16
	admin := decide(message_from(user(["admin"]), {"method": "tools/list"}))
	count(admin.lists.tools) == 19
	decide(message_from(user([]), {"method": "tools/list"})).lists == {"tools": []}
}

# Unknown tools, methods, kinds and directions

test_an_unknown_tool_is_denied_by_name if {
	decide(call_by(user(["admin"]), "drop_database", {})) == denied(`unknown tool "drop_database"`)
}

test_a_tools_call_without_a_tool_name_is_denied if {
	decide(message_from(user(["admin"]), {"method": "tools/call"})) == denied("unknown tool null")
}

test_a_tool_in_no_class_is_unknown if {
	catalogue := {"frobnicate": {"class": "admin", "scope": "none", "data_classes": []}}

	decision := decide(call_by(user(["admin"]), "frobnicate", {})) with tools.catalogue as catalogue

	decision == denied(`unknown tool "frobnicate"`)
}

test_reasons_never_repeat_the_arguments if {
	given := call_by(user(["admin"]), "search_code", {"workspace": "acme", "query": "hunter2-secret"})
	reasons := decide(given).reasons
	count(reasons) > 0
	every reason in reasons {
		not contains(reason, "hunter2")
		not contains(reason, "acme")
	}
}

test_an_unknown_method_is_denied_by_name if {
	decide(message({"method": "completion/complete"})) == denied(`method "completion/complete" is not allowed`)
}

test_a_request_without_a_method_is_denied if {
	decide(message({})) == denied("method null is not allowed")
}

test_an_unknown_message_kind_is_denied_by_name if {
	decide(message({"kind": "batch", "method": "ping"})) == denied(`message kind "batch" is not known`)
}

test_an_input_without_a_request_is_denied if {
	decision := decide({"version": "2"})
	not decision.allow
	decision.reasons == ["message kind null is not known", "messages travelling null are not handled by this policy"]
}

test_a_tool_call_sent_from_the_server_side_is_denied if {
	given := message_from(
		user(["admin"]),
		{"direction": "server_to_client", "method": "tools/call", "tool": "get_repository", "arguments": acme_api},
	)
	decide(given) == denied(`messages travelling "server_to_client" are not handled by this policy`)
}

test_every_denial_reason_is_reported_and_sorted if {
	given := message({"direction": "sideways", "kind": "notification", "method": "tools/call"})
	decide(given).reasons == [
		`messages travelling "sideways" are not handled by this policy`,
		`notification "tools/call" is not allowed`,
	]
}

# Input versions

test_a_query_without_any_input_gets_the_default_deny if {
	# No `with input`: OPA evaluates with input undefined, as for a POST whose body has no "input".
	authz.decision == {
		"allow": false,
		"reasons": ["no rule of this policy allows this message"],
		"mask": [],
		"quota": null,
		"obligations": {"require_mfa": null, "audit_level": "high"},
		"cache_ttl_ms": 0,
		"lists": null,
	}
}

test_an_input_of_another_version_is_denied_with_only_the_version_reason if {
	given := object.union(call_by(user(["admin"]), "get_repository", acme_api), {"version": "1"})
	decide(given) == denied(`policy input version "1" is not supported; this policy reads version "2"`)
}

test_an_input_without_a_version_is_denied if {
	given := json.remove(call_by(user(["admin"]), "get_repository", acme_api), ["version"])
	decide(given).reasons == [`policy input version null is not supported; this policy reads version "2"`]
}

test_a_numeric_version_is_not_version_two if {
	given := object.union(message({"method": "ping"}), {"version": 2})
	decide(given).reasons == [`policy input version 2 is not supported; this policy reads version "2"`]
}

# What reasons show of caller-chosen names

test_a_long_unknown_tool_name_is_cut_short_in_the_reason if {
	name := concat("", [x | some _ in numbers.range(1, 100); x := "a"])
	reason := sprintf("unknown tool %s…", [substring(json.marshal(name), 0, 63)])
	decide(call_by(user([]), name, {})) == denied(reason)
}

test_html_characters_in_a_tool_name_are_escaped_alike_in_both_engines if {
	decide(call_by(user([]), "a<b>&c\u2028\u2029", {})) == denied(`unknown tool "a\u003cb\u003e\u0026c\u2028\u2029"`)
}

test_a_slug_is_at_most_128_characters if {
	developer := user(["developer@acme/*"])
	longest := concat("", [x | some _ in numbers.range(1, 128); x := "r"])
	decide(call_by(developer, "get_repository", {"workspace": "acme", "repo": longest})).allow
	too_long := concat("", [longest, "r"])
	reason := `tool "get_repository" needs workspace and repo arguments that are slugs`
	decide(call_by(developer, "get_repository", {"workspace": "acme", "repo": too_long})) == denied(reason)
}

test_control_characters_in_a_tool_name_are_escaped_in_the_reason if {
	decide(call_by(user([]), "evil\n200 OK", {})) == denied(`unknown tool "evil\n200 OK"`)
}

test_a_write_whose_arguments_carry_a_secret_is_denied_naming_the_class if {
	developer := user(["developer@acme/*"])
	call := call_by(developer, "create_pull_request", object.union(acme_api, {"title": "x", "source_branch": "f"}))
	dlp := object.union(call, {"request": object.union(call.request, {"argument_classes": ["secret"]})})
	decision := decide(dlp)
	not decision.allow
	decision.reasons == ["tool \"create_pull_request\" may not send data of class \"secret\" found in its arguments"]
	decide(call).allow
}

test_a_read_whose_arguments_carry_a_secret_is_not_denied_for_it if {
	call := call_by(user(["viewer@acme/*"]), "search_code", {"workspace": "acme", "query": "AKIA"})
	decide(object.union(call, {"request": object.union(call.request, {"argument_classes": ["secret"]})})).allow
}

test_personal_data_in_a_write_is_allowed if {
	developer := user(["developer@acme/*"])
	call := call_by(developer, "add_pull_request_comment", object.union(acme_api, {"id": 1, "content": "x"}))
	decide(object.union(call, {"request": object.union(call.request, {"argument_classes": ["personal_data"]})})).allow
}

# Tool pinning (mcp.pinning): the proxy's facts about the called tool's definition

with_tool(given, facts) := object.union(given, {"tool": facts})

test_a_call_to_a_drifted_tool_is_denied_in_pin_mode if {
	viewer := user(["viewer@acme/*"])
	call := call_by(viewer, "get_repository", acme_api)
	pinned := {
		"annotations": null, "data_classes": [],
		"pin": {"mode": "pin", "status": "match"}, "description_findings": [],
	}
	decide(with_tool(call, pinned)).allow
	drifted := object.union(pinned, {"pin": {"mode": "pin", "status": "drift"}})
	reason := `tool "get_repository" changed since it was pinned: its definition is not the reviewed one`
	decide(with_tool(call, drifted)) == denied(reason)
	warned := object.union(pinned, {"pin": {"mode": "warn", "status": "drift"}})
	decide(with_tool(call, warned)).allow
}

test_a_call_to_a_tool_with_hidden_characters_is_denied if {
	facts := {"annotations": null, "data_classes": [], "pin": null, "description_findings": ["tag_characters"]}
	reason := `tool "get_repository" has characters in its definition that a reviewer cannot see`
	decide(with_tool(call_by(user(["viewer@acme/*"]), "get_repository", acme_api), facts)) == denied(reason)
}
