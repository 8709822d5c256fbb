# METADATA
# title: Tool catalogue
# description: |
#   The tools the Bitbucket MCP server offers. Each has a class ("read": reads only;
#   "write": changes Bitbucket content; "dangerous": destroys or finalises work), a scope
#   (which arguments name what it touches: "none", "workspace" or "repository") and the
#   data classes its result may carry. The catalogue itself is data: data.json beside
#   this file, at data.mcp.tools.catalogue.
package mcp.tools

# METADATA
# description: Names of every tool in the catalogue, whatever its class.
known contains name if some name, _ in data.mcp.tools.catalogue

# METADATA
# description: Tools that only read.
read_only := _named("read")

# METADATA
# description: Tools that change content in Bitbucket.
write := _named("write")

# METADATA
# description: Tools that destroy or finalise work and cannot be undone by the caller.
dangerous := _named("dangerous")

# METADATA
# description: |
#   Catalogue entries whose class is none of the three. Must stay empty: a tool in no
#   class is neither allowed nor denied by class, only as unknown.
misclassified contains name if {
	some name, tool in data.mcp.tools.catalogue
	not object.get(tool, "class", null) in {"read", "write", "dangerous"}
}

# METADATA
# description: |
#   Whether `name` is a catalogued tool with one of the three classes: a tool a call can be
#   decided for. The same as being known and not misclassified, looked up for one name
#   instead of built for the whole catalogue on every decision.
decidable(name) if data.mcp.tools.catalogue[name].class in {"read", "write", "dangerous"}

# METADATA
# description: |
#   The class a call of catalogued tool `name` is decided as: the catalogue's class,
#   raised (never lowered) by the MCP annotations the server declared for it in
#   tools/list (`declared`, null when the proxy has not seen them). A server that calls a
#   read tool destructive is taken at its word; one that calls a write tool read-only is
#   not. Only explicit hints count: MCP's defaults (destructive unless said otherwise)
#   would make every unannotated tool dangerous.
class_of(name, declared) := _classes[max({_catalogued_rank(name), _declared_rank(declared)})]

# METADATA
# description: |
#   The data classes the result of tool `name` may carry: the catalogue's, plus any the
#   server declared (`declared.data_classes`); declarations only add.
data_classes_of(name, declared) := {class |
	some class in data.mcp.tools.catalogue[name].data_classes
} | {class |
	some class in object.get(declared, "data_classes", [])
	is_string(class)
}

# METADATA
# description: Which arguments name what tool `name` touches - "none", "workspace" or "repository".
scope_of(name) := data.mcp.tools.catalogue[name].scope

_classes := ["read", "write", "dangerous"]

_rank := {"read": 0, "write": 1, "dangerous": 2}

_catalogued_rank(name) := _rank[data.mcp.tools.catalogue[name].class]

default _declared_rank(_) := 0

_declared_rank(declared) := 2 if {
	declared.annotations.destructiveHint == true
	not declared.annotations.readOnlyHint == true
}

_declared_rank(declared) := 1 if {
	declared.annotations.readOnlyHint == false
	not declared.annotations.destructiveHint == true
}

_named(class) := {name |
	some name, tool in data.mcp.tools.catalogue
	tool.class == class
}
