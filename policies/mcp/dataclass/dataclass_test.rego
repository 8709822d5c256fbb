package mcp.dataclass_test

import data.mcp.dataclass

test_personal_data_is_masked_unless_a_role_may_see_it if {
	dataclass.masked({"pr_metadata", "personal_data"}, {"developer"}) == ["personal_data"]
	dataclass.masked({"pr_metadata", "personal_data"}, {"developer", "maintainer"}) == []
}

test_secrets_are_masked_for_every_role if {
	every role in ["viewer", "developer", "maintainer", "admin", "service-account"] {
		dataclass.masked({"source_code", "secret"}, {role}) == ["secret"]
	}
}

test_no_role_sees_nothing_unmasked if {
	dataclass.masked({"source_code", "repository_metadata"}, set()) == ["repository_metadata", "source_code"]
}

test_only_admins_see_internal_hosts if {
	dataclass.masked({"source_code", "internal_infrastructure"}, {"maintainer"}) == ["internal_infrastructure"]
	dataclass.masked({"source_code", "internal_infrastructure"}, {"admin"}) == []
}
