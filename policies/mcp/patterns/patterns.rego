# METADATA
# title: Name and URI patterns
# description: |
#   The pattern language of the prompt and resource allowances (mcp.exposure) and of a
#   decision's lists.prompts and lists.resources, which the proxy applies to list answers
#   by the same rules (proxy: policy/ListPatterns.java; both sides test the same cases).
#   A pattern ending in "*" matches every value that starts with what precedes the "*",
#   provided the rest of the value cannot climb out of that start: no "..", no
#   backslash, no percent-encoded dot, slash or backslash, no control character or space.
#   Any other pattern matches only the value equal to it. Nothing else is special: a "*"
#   anywhere but at the end, "?" and "[" are plain characters.
package mcp.patterns

# METADATA
# description: Whether `pattern` matches `value`; never for a value that is not a string.
# scope: document
matches(pattern, value) if {
	is_string(value)
	not endswith(pattern, "*")
	pattern == value
}

matches(pattern, value) if {
	is_string(value)
	endswith(pattern, "*")
	start := substring(pattern, 0, count(pattern) - 1)
	startswith(value, start)
	not _climbs(substring(value, count(start), -1))
}

# "demo://docs/*" must not reach "demo://docs/../secrets/x", however a server
# normalises the path: dot segments and their encoded forms are refused after the start,
# and so are spaces and control characters, which servers and clients read differently.
_climbs(rest) if regex.match(`(?i)\.\.|\\|%2e|%2f|%5c|[\x00-\x20\x7f]`, rest)
