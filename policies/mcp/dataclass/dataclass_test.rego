package mcp.dataclass_test

import data.mcp.dataclass

all_three := ["internal_infrastructure", "personal_data", "secret"]

test_every_maskable_class_is_masked_whatever_the_tool_declares if {
	dataclass.masked(set(), {"viewer"}) == all_three
	dataclass.masked({"source_code"}, {"viewer"}) == all_three
	dataclass.masked({"pr_metadata"}, {"developer"}) == all_three
}

test_personal_data_is_masked_unless_a_role_may_see_it if {
	"personal_data" in dataclass.masked({"pr_metadata"}, {"developer"})
	dataclass.masked({"pr_metadata"}, {"developer", "maintainer"}) == ["internal_infrastructure", "secret"]
}

test_secrets_are_masked_for_every_role if {
	every role, _ in dataclass.unmasked {
		"secret" in dataclass.masked(set(), {role})
	}
}

test_only_admins_see_internal_hosts if {
	"internal_infrastructure" in dataclass.masked({"source_code"}, {"maintainer"})
	dataclass.masked({"source_code"}, {"admin"}) == ["secret"]
}

test_no_role_sees_nothing_unmasked if {
	dataclass.masked({"source_code", "repository_metadata"}, set()) == [
		"internal_infrastructure", "personal_data", "repository_metadata", "secret", "source_code",
	]
}

test_a_role_this_data_does_not_name_has_everything_masked if {
	dataclass.masked({"pr_metadata"}, {"owner"}) == ["internal_infrastructure", "personal_data", "pr_metadata", "secret"]
}

test_a_declared_class_adds_to_the_mask_when_no_role_sees_it if {
	unmasked := {"viewer": ["personal_data", "secret", "internal_infrastructure"], "developer": ["source_code"]}
	dataclass.masked(set(), {"viewer"}) == [] with dataclass.unmasked as unmasked
	dataclass.masked({"source_code"}, {"viewer"}) == ["source_code"] with dataclass.unmasked as unmasked
}

test_a_declared_class_the_policy_does_not_know_stays_out_of_the_mask if {
	dataclass.masked({"customer_records"}, {"admin"}) == ["secret"]
}

test_the_maskable_classes_are_the_three_the_proxy_finds_by_pattern if {
	{class | some class in dataclass.maskable} == {"secret", "personal_data", "internal_infrastructure"}
}
