package mcp.tools_test

import data.mcp.tools

test_catalogue_lists_the_twelve_read_only_tools if {
	tools.read_only == {
		"list_workspaces", "list_repositories", "get_repository", "list_branches",
		"list_commits", "get_file_content", "list_directory", "search_code",
		"list_pull_requests", "get_pull_request", "get_pull_request_diff",
		"list_pull_request_comments",
	}
}

test_catalogue_lists_the_four_write_tools if {
	tools.write == {"create_pull_request", "update_pull_request", "add_pull_request_comment", "set_review_status"}
}

test_catalogue_lists_the_three_dangerous_tools if {
	tools.dangerous == {"merge_pull_request", "decline_pull_request", "delete_branch"}
}

test_every_catalogue_entry_has_exactly_one_known_class if {
	count(tools.misclassified) == 0
	tools.known == (tools.read_only | tools.write) | tools.dangerous
	count(tools.known) == 19
}

test_an_entry_with_an_unknown_class_is_misclassified_and_in_no_class if {
	catalogue := {"get_repository": {"class": "read"}, "frobnicate": {"class": "admin"}, "blank": {}}

	classes := classify with tools.catalogue as catalogue

	classes == {
		"known": {"get_repository", "frobnicate", "blank"},
		"misclassified": {"frobnicate", "blank"},
		"read_only": {"get_repository"},
		"write": set(),
		"dangerous": set(),
	}
}

test_only_a_catalogued_tool_with_one_of_the_three_classes_is_decidable if {
	catalogue := {"get_repository": {"class": "read"}, "frobnicate": {"class": "admin"}, "blank": {}}

	decidable := decidable_of(["get_repository", "frobnicate", "blank", "absent", null]) with tools.catalogue as catalogue

	decidable == {"get_repository"}
}

decidable_of(names) := {name |
	some name in names
	tools.decidable(name)
}

classify := {
	"known": tools.known,
	"misclassified": tools.misclassified,
	"read_only": tools.read_only,
	"write": tools.write,
	"dangerous": tools.dangerous,
}

test_the_class_of_a_tool_is_raised_by_declared_hints_but_never_lowered if {
	tools.class_of("get_repository", null) == "read"
	tools.class_of("get_repository", {"annotations": {"readOnlyHint": false}}) == "write"
	tools.class_of("get_repository", {"annotations": {"destructiveHint": true}}) == "dangerous"
	tools.class_of("get_repository", {"annotations": {"readOnlyHint": true, "destructiveHint": true}}) == "read"
	tools.class_of("merge_pull_request", {"annotations": {"readOnlyHint": true}}) == "dangerous"
}

test_declared_data_classes_only_add if {
	tools.data_classes_of("get_file_content", null) == {
		"source_code", "personal_data",
		"secret", "internal_infrastructure",
	}
	tools.data_classes_of("list_directory", {"data_classes": ["secret", 1]}) == {"source_code", "secret"}
}

test_every_tool_has_a_scope if {
	every name in tools.known {
		tools.scope_of(name) in {"none", "workspace", "repository"}
	}
}
