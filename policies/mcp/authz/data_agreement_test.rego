package mcp.authz_test

# The data documents of the packages this one composes agree on the roles. A role that
# rbac grants but dataclass does not name has everything masked; one without a quota
# for a class it may call is not counted at all; a binding to an undefined role grants nothing.

test_rbac_dataclass_and_quota_data_name_the_same_roles if {
	roles := object.keys(data.mcp.rbac.roles)
	count(roles) > 0
	object.keys(data.mcp.dataclass.unmasked) == roles
	object.keys(data.mcp.quota.limits) == roles
}

test_every_class_a_role_may_call_has_a_quota_and_a_window if {
	every role, definition in data.mcp.rbac.roles {
		every class in definition.classes {
			data.mcp.quota.limits[role][class] > 0
			data.mcp.quota.windows_ms[class] > 0
		}
	}
}

test_every_role_the_prompt_and_resource_allowances_name_is_defined if {
	every kind in ["prompts", "resources"] {
		every role, _ in data.mcp.exposure.allowances[kind] {
			role in object.keys(data.mcp.rbac.roles)
		}
	}
}

test_every_role_a_binding_names_is_defined if {
	bindings := array.concat(
		[binding | some group_bindings in data.mcp.rbac.group_bindings; some binding in group_bindings],
		data.mcp.rbac.anonymous_bindings,
	)
	count(bindings) > 0
	every binding in bindings {
		binding.role in object.keys(data.mcp.rbac.roles)
	}
}
