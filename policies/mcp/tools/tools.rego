# METADATA
# title: Tool catalogue
# description: |
#   The tools the Bitbucket MCP server offers, each in one class: "read" (reads only),
#   "write" (changes Bitbucket content) or "dangerous" (destroys or finalises work:
#   merges, declines, branch deletion). The catalogue itself is data: data.json beside
#   this file, at data.mcp.tools.catalogue.
package mcp.tools

# METADATA
# description: Names of every tool in the catalogue, whatever its class.
known contains name if some name, _ in _catalogue

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
	some name, tool in _catalogue
	not object.get(tool, "class", null) in {"read", "write", "dangerous"}
}

_named(class) := {name |
	some name, tool in _catalogue
	tool.class == class
}

# The one reference to the catalogue's data document (data.json beside this file),
# which Regal does not read.
# regal ignore:unresolved-reference
_catalogue := data.mcp.tools.catalogue
