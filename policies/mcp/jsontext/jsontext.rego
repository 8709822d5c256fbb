# METADATA
# title: JSON text
# description: |
#   JSON text of caller-chosen values, the same from OPA and from its Wasm runtime, for
#   reasons and bucket keys that both policy engines must give byte for byte.
package mcp.jsontext

# METADATA
# description: |
#   json.marshal with < > & and U+2028/U+2029 escaped (\u003c ...). OPA's json.marshal
#   escapes them as Go's encoder does, the Wasm runtime's does not; escaping them again
#   here is a no-op in OPA and makes the Wasm engine agree.
marshal(value) := strings.replace_n(
	{"<": `\u003c`, ">": `\u003e`, "&": `\u0026`, "\u2028": `\u2028`, "\u2029": `\u2029`},
	json.marshal(value),
)
