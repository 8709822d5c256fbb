# METADATA
# title: Prompts and resources per role
# description: |
#   Which prompts (by name) and which resources (by URI, and resource templates by their
#   URI template) each role may see and use: data.json beside this file, allowances.prompts and
#   allowances.resources, each a map from role to patterns (mcp.patterns: exact, or a prefix ending
#   in "*"). A role or a kind the data does not name allows nothing: what is not allowed
#   is hidden from prompts/list, resources/list and resources/templates/list and refused
#   on prompts/get, resources/read and resources/subscribe. Prompts and resources belong
#   to no workspace, so a role allows them wherever it is held.
package mcp.exposure

import data.mcp.patterns
import data.mcp.rbac

# METADATA
# description: |
#   The patterns of `kind` ("prompts" or "resources") that `subject`'s roles allow,
#   sorted: what a list answer may show, and what a get or read is checked against.
visible(kind, subject) := sort([pattern |
	some pattern in {pattern |
		some role in rbac.roles_anywhere(subject)
		some pattern in object.get(data.mcp.exposure.allowances, [kind, role], [])
		is_string(pattern)
	}
])

# METADATA
# description: Whether `subject` may get the prompt, or read the resource, named `value`.
allowed(kind, subject, value) if {
	some pattern in visible(kind, subject)
	patterns.matches(pattern, value)
}
