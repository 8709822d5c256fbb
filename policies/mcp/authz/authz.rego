# METADATA
# title: MCP authorization
# description: |
#   Decides whether the proxy forwards one JSON-RPC message that an MCP client sent. The
#   proxy asks POST /v1/data/mcp/authz/decision with the policy input, version "1"
#   (examples/ shows whole documents). First policy: protocol housekeeping and the
#   read-only Bitbucket tools pass; writes, dangerous tools and anything unknown do not.
package mcp.authz

import data.mcp.tools

# METADATA
# title: decision
# description: |
#   Always an object {"allow": bool, "reasons": [string]}, with at least one reason.
#   Reasons are short, name the method or tool but never the arguments, and are safe to
#   show the caller. The default is a deny, so a gap in the rules below fails closed.
# entrypoint: true
default decision := {"allow": false, "reasons": ["no rule of this policy allows this message"]}

decision := {"allow": false, "reasons": [_unsupported_version]} if not _supported_version

decision := {"allow": false, "reasons": sort(_denials)} if {
	_supported_version
	count(_denials) > 0
}

decision := {"allow": true, "reasons": sort(_grants)} if {
	_supported_version
	count(_denials) == 0
	count(_grants) > 0
}

# A later input version may move or re-mean fields; reading it as version 1 could allow
# what its sender meant to restrict, so any other version is refused outright.
_supported_version if input.version == "1"

_unsupported_version := sprintf(
	"policy input version %s is not supported; this policy reads version \"1\"",
	[_shown(object.get(input, "version", null))],
)

# logging/setLevel only tunes what the server sends back; clients (the MCP Inspector among
# them) send it while connecting, so denying it would break the connection itself.
_housekeeping_requests := {"initialize", "logging/setLevel", "ping", "tools/list"}

_kinds := {"request", "notification", "response"}

_message := object.get(input, "request", {})

_method := object.get(_message, "method", null)

_tool := object.get(_message, "tool", null)

_tool_call if {
	_message.kind == "request"
	_message.method == "tools/call"
}

# Why each message may pass. Only counts when no denial below applies.

# Responses answer requests the server sent (sampling, elicitation, roots): the server asked.
_grants contains "responses to the server's own requests are allowed" if _message.kind == "response"

_grants contains sprintf("%s is protocol housekeeping", [_shown(_method)]) if {
	_message.kind == "request"
	_method in _housekeeping_requests
}

_grants contains sprintf("notification %s is protocol housekeeping", [_shown(_method)]) if {
	_message.kind == "notification"
	_protocol_notification
}

_grants contains sprintf("tool %s is read-only", [_shown(_tool)]) if {
	_tool_call
	_tool in tools.read_only
}

# Why a message may not pass. Any one of these denies.

_denials contains sprintf("messages travelling %s are not handled by this policy", [_shown(direction)]) if {
	direction := object.get(_message, "direction", null)
	direction != "client_to_server"
}

_denials contains sprintf("message kind %s is not known", [_shown(kind)]) if {
	kind := object.get(_message, "kind", null)
	not kind in _kinds
}

_denials contains sprintf("method %s is not allowed", [_shown(_method)]) if {
	_message.kind == "request"
	not _method in _housekeeping_requests
	_method != "tools/call"
}

_denials contains sprintf("notification %s is not allowed", [_shown(_method)]) if {
	_message.kind == "notification"
	not _protocol_notification
}

_denials contains sprintf("tool %s is dangerous and is denied", [_shown(_tool)]) if {
	_tool_call
	_tool in tools.dangerous
}

_denials contains sprintf("tool %s writes to Bitbucket, and writes are not enabled", [_shown(_tool)]) if {
	_tool_call
	_tool in tools.write
}

_denials contains sprintf("unknown tool %s", [_shown(_tool)]) if {
	_tool_call
	not _tool in tools.known
}

_protocol_notification if startswith(_method, "notifications/")

# Renders a value the caller chose (a method, a tool name) for a reason. JSON quoting
# escapes control characters, so a crafted name cannot forge lines in logs or audit
# spans; the cut keeps a long one from bloating every reason.
_shown(value) := text if {
	text := json.marshal(value)
	count(text) <= _max_shown
}

_shown(value) := concat("", [substring(json.marshal(value), 0, _max_shown - 1), "…"]) if {
	count(json.marshal(value)) > _max_shown
}

_max_shown := 64
