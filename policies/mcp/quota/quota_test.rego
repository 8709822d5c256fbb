package mcp.quota_test

import data.mcp.quota

address := "10.0.0.7"

test_writes_are_thirty_a_minute_for_a_developer if {
	subject := {"id": "u-1", "tenant": "acme", "authenticated": true}
	bucket := quota.for_call(subject, address, "write", {"developer"})
	bucket == {"key": `[["subject","acme","u-1"],"write"]`, "limit": 30, "window_ms": 60000, "cost": 1}
}

test_dangerous_calls_are_counted_per_hour if {
	bucket := quota.for_call({"id": "u-1", "tenant": null, "authenticated": true}, address, "dangerous", {"maintainer"})
	bucket.limit == 5
	bucket.window_ms == 3600000
}

test_a_role_without_a_limit_for_the_class_has_no_bucket if {
	subject := {"id": "bot", "tenant": null, "authenticated": true}
	not quota.for_call(subject, address, "dangerous", {"service-account"})
	not quota.for_call(subject, address, "read", set())
}

test_anonymous_callers_are_counted_per_address if {
	bucket := quota.for_call({"id": "anonymous", "authenticated": false}, address, "read", {"viewer"})
	bucket.key == `[["anonymous","10.0.0.7"],"read"]`
}

test_a_subject_of_unknown_authentication_shares_one_anonymous_bucket if {
	bucket := quota.for_call({"id": "x"}, address, "read", {"viewer"})
	bucket.key == `[["anonymous",null],"read"]`
}

test_a_quota_says_nothing_of_store_failure_by_default_which_means_deny if {
	bucket := quota.for_call({"id": "u-1", "tenant": "acme", "authenticated": true}, address, "write", {"developer"})
	not "on_store_failure" in object.keys(bucket)
}

test_a_class_marked_local_falls_back_to_the_replica_bucket if {
	subject := {"id": "u-1", "tenant": "acme", "authenticated": true}
	modes := {"read": "local"}
	bucket := quota.for_call(subject, address, "read", {"viewer"}) with quota.on_store_failure as modes
	bucket.on_store_failure == "local"
	bucket.limit == 600
}

test_an_unknown_mode_in_the_data_is_not_passed_on if {
	subject := {"id": "u-1", "tenant": "acme", "authenticated": true}
	modes := {"read": "open"}
	bucket := quota.for_call(subject, address, "read", {"viewer"}) with quota.on_store_failure as modes
	not "on_store_failure" in object.keys(bucket)
}

test_each_initialize_draws_from_the_callers_session_bucket if {
	subject := {"id": "u-1", "tenant": "acme", "authenticated": true}
	bucket := quota.for_session(subject, address)
	bucket == {"key": `[["subject","acme","u-1"],"session"]`, "limit": 30, "window_ms": 60000, "cost": 1}
}

test_anonymous_sessions_are_counted_per_address if {
	bucket := quota.for_session({"id": "anonymous", "authenticated": false}, address)
	bucket.key == `[["anonymous","10.0.0.7"],"session"]`
}
