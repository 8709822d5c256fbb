package mcp.authz_test

# Decisions in the MCP 2026-07-28 ("modern") era: the input says so in transport.protocol_era.

modern(given) := object.union(given, {
	"request": {"protocol_version": "2026-07-28", "session_id": null},
	"transport": {"protocol_era": "modern"},
})

test_server_discover_is_housekeeping_and_shows_the_tools_tools_list_shows if {
	viewer := user(["viewer@acme/*"])
	discover := decide(modern(message_from(viewer, {"method": "server/discover"})))
	list := decide(message_from(viewer, {"method": "tools/list"}))
	discover.allow
	discover.reasons == [`"server/discover" is protocol housekeeping`]
	discover.lists == list.lists
	count(discover.lists.tools) > 0
	decide(modern(message_from(user([]), {"method": "server/discover"}))).lists == {"tools": []}
}

test_methods_removed_in_2026_07_28_are_denied_in_the_modern_era_only if {
	every method in ["initialize", "logging/setLevel", "ping", "resources/subscribe", "resources/unsubscribe"] {
		modern_decision := decide(modern(message_from(user(["admin"]), {"method": method, "resource": "demo://x"})))
		not modern_decision.allow
		sprintf("method %q does not exist in MCP 2026-07-28", [method]) in modern_decision.reasons
	}
	decide(message({"method": "ping"})).allow
}

test_an_input_without_an_era_is_legacy if {
	given := json.remove(message({"method": "ping"}), ["transport/protocol_era"])
	decide(given) == housekeeping(`"ping" is protocol housekeeping`)
}

test_a_modern_tools_call_is_decided_like_a_legacy_one if {
	legacy := decide(call_by(user(["viewer@acme/*"]), "get_repository", acme_api))
	decide(modern(call_by(user(["viewer@acme/*"]), "get_repository", acme_api))) == legacy
}

test_subscriptions_listen_is_housekeeping_in_the_modern_era_only if {
	viewer := user(["viewer@acme/*"])
	listen := decide(modern(message_from(viewer, {"method": "subscriptions/listen"})))
	listen.allow
	listen.reasons == [`"subscriptions/listen" is protocol housekeeping`]
	legacy := decide(message_from(viewer, {"method": "subscriptions/listen"}))
	not legacy.allow
	`method "subscriptions/listen" is not allowed` in legacy.reasons
}
