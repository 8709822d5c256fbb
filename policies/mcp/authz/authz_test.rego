package mcp.authz_test

import data.mcp.authz
import data.mcp.tools

# A whole version 1 policy input, as the proxy sends it, around the given message fields.
message(fields) := {
	"version": "1",
	"subject": {"id": "anonymous", "authenticated": false, "auth_method": "none", "roles": [], "groups": []},
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
	"transport": {"client_address": "127.0.0.1", "tls": false, "http_method": "POST", "path": "/mcp", "batch_size": 1},
}

call(tool) := message({"method": "tools/call", "tool": tool, "arguments": {}})

allowed(reason) := {"allow": true, "reasons": [reason]}

denied(reason) := {"allow": false, "reasons": [reason]}

# Protocol housekeeping

test_initialize_is_allowed_as_housekeeping if {
	authz.decision == allowed(`"initialize" is protocol housekeeping`) with input as message({"method": "initialize"})
}

test_ping_is_allowed_as_housekeeping if {
	authz.decision == allowed(`"ping" is protocol housekeeping`) with input as message({"method": "ping"})
}

test_logging_set_level_is_allowed_as_housekeeping if {
	given := message({"method": "logging/setLevel"})
	authz.decision == allowed(`"logging/setLevel" is protocol housekeeping`) with input as given
}

test_tools_list_is_allowed_as_housekeeping if {
	authz.decision == allowed(`"tools/list" is protocol housekeeping`) with input as message({"method": "tools/list"})
}

test_any_notification_in_the_notifications_namespace_is_allowed if {
	every method in ["notifications/initialized", "notifications/cancelled", "notifications/roots/list_changed"] {
		reason := sprintf("notification %q is protocol housekeeping", [method])
		authz.decision == allowed(reason) with input as message({"kind": "notification", "method": method, "id": null})
	}
}

test_a_response_to_a_server_request_is_allowed if {
	given := json.remove(message({"kind": "response", "id": 3}), ["request/method"])
	authz.decision == allowed("responses to the server's own requests are allowed") with input as given
}

test_a_notification_outside_the_notifications_namespace_is_denied if {
	given := message({"kind": "notification", "method": "ping"})
	authz.decision == denied(`notification "ping" is not allowed`) with input as given
}

# Tools by class

test_get_repository_is_allowed_as_read_only if {
	authz.decision == allowed(`tool "get_repository" is read-only`) with input as call("get_repository")
}

test_every_read_only_tool_is_allowed if {
	count(tools.read_only) == 12
	every tool in tools.read_only {
		authz.decision.allow with input as call(tool)
	}
}

test_merge_pull_request_is_denied_as_dangerous if {
	reason := `tool "merge_pull_request" is dangerous and is denied`
	authz.decision == denied(reason) with input as call("merge_pull_request")
}

test_every_dangerous_tool_is_denied_as_dangerous if {
	count(tools.dangerous) == 3
	every tool in tools.dangerous {
		authz.decision == denied(sprintf("tool %q is dangerous and is denied", [tool])) with input as call(tool)
	}
}

test_create_pull_request_is_denied_because_writes_are_not_enabled if {
	reason := `tool "create_pull_request" writes to Bitbucket, and writes are not enabled`
	authz.decision == denied(reason) with input as call("create_pull_request")
}

test_every_write_tool_is_denied_because_writes_are_not_enabled if {
	count(tools.write) == 4
	every tool in tools.write {
		reason := sprintf("tool %q writes to Bitbucket, and writes are not enabled", [tool])
		authz.decision == denied(reason) with input as call(tool)
	}
}

test_an_unknown_tool_is_denied_by_name if {
	authz.decision == denied(`unknown tool "drop_database"`) with input as call("drop_database")
}

test_a_tools_call_without_a_tool_name_is_denied if {
	authz.decision == denied("unknown tool null") with input as message({"method": "tools/call"})
}

test_a_tool_in_no_class_falls_to_the_default_deny if {
	catalogue := {"frobnicate": {"class": "admin"}}

	# The catalogue is data (data.json), which Regal does not read.
	# regal ignore:unresolved-reference
	decision := authz.decision with input as call("frobnicate") with tools.catalogue as catalogue

	decision == denied("no rule of this policy allows this message")
}

test_reasons_never_repeat_the_arguments if {
	given := message({"method": "tools/call", "tool": "search_code", "arguments": {"query": "hunter2-secret"}})
	reasons := authz.decision.reasons with input as given
	count(reasons) > 0
	every reason in reasons {
		not contains(reason, "hunter2")
	}
}

# Unknown methods, kinds and directions

test_an_unknown_method_is_denied_by_name if {
	authz.decision == denied(`method "resources/list" is not allowed`) with input as message({"method": "resources/list"})
}

test_a_request_without_a_method_is_denied if {
	authz.decision == denied("method null is not allowed") with input as message({})
}

test_an_unknown_message_kind_is_denied_by_name if {
	given := message({"kind": "batch", "method": "ping"})
	authz.decision == denied(`message kind "batch" is not known`) with input as given
}

test_an_input_without_a_request_is_denied if {
	decision := authz.decision with input as {"version": "1"}
	not decision.allow
	decision.reasons == ["message kind null is not known", "messages travelling null are not handled by this policy"]
}

test_a_read_only_tool_sent_from_the_server_side_is_denied if {
	given := message({"direction": "server_to_client", "method": "tools/call", "tool": "get_repository"})
	authz.decision == denied(`messages travelling "server_to_client" are not handled by this policy`) with input as given
}

test_every_denial_reason_is_reported_and_sorted if {
	given := message({"direction": "sideways", "kind": "notification", "method": "tools/call"})
	authz.decision == {"allow": false, "reasons": [
		`messages travelling "sideways" are not handled by this policy`,
		`notification "tools/call" is not allowed`,
	]} with input as given
}

# Input versions

test_a_query_without_any_input_gets_the_default_deny if {
	# No `with input`: OPA evaluates with input undefined, as for a POST whose body has no "input".
	authz.decision == denied("no rule of this policy allows this message")
}

test_an_input_of_another_version_is_denied_with_only_the_version_reason if {
	given := object.union(call("get_repository"), {"version": "2"})
	reason := `policy input version "2" is not supported; this policy reads version "1"`
	authz.decision == denied(reason) with input as given
}

test_an_input_without_a_version_is_denied if {
	given := json.remove(call("get_repository"), ["version"])
	reason := `policy input version null is not supported; this policy reads version "1"`
	authz.decision == denied(reason) with input as given
}

test_a_numeric_version_is_not_version_one if {
	given := object.union(message({"method": "ping"}), {"version": 1})
	authz.decision == denied(`policy input version 1 is not supported; this policy reads version "1"`) with input as given
}

# What reasons show of caller-chosen names

test_a_long_unknown_tool_name_is_cut_short_in_the_reason if {
	name := concat("", [x | some _ in numbers.range(1, 100); x := "a"])
	reason := sprintf("unknown tool %s…", [substring(json.marshal(name), 0, 63)])
	authz.decision == denied(reason) with input as call(name)
}

test_control_characters_in_a_tool_name_are_escaped_in_the_reason if {
	authz.decision == denied(`unknown tool "evil\n200 OK"`) with input as call("evil\n200 OK")
}
