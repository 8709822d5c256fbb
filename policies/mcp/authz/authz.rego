# METADATA
# title: MCP authorization
# description: |
#   Decides whether the proxy forwards one JSON-RPC message that an MCP client sent, and
#   on what terms. The proxy asks POST /v1/data/mcp/authz/decision with the policy input,
#   version "2" (schema/input.schema.jsonc; examples/ shows whole documents). This
#   package composes the concerns: mcp.tools (catalogue), mcp.rbac (roles and scopes),
#   mcp.dataclass (masking), mcp.quota (rates), mcp.stepup (MFA), mcp.pinning
#   (reviewed tool definitions, hidden text) and mcp.exposure (prompts and resources).
package mcp.authz

import data.mcp.dataclass
import data.mcp.exposure
import data.mcp.jsontext
import data.mcp.pinning
import data.mcp.quota
import data.mcp.rbac
import data.mcp.stepup
import data.mcp.tools

# METADATA
# title: decision
# description: |
#   Always an object with every member of schema/decision.schema.jsonc: allow, reasons
#   (at least one; short, naming the method or tool but never an argument, safe to show
#   the caller), mask, quota, obligations, cache_ttl_ms and lists. The default is a deny,
#   so a gap in the rules below fails closed.
# entrypoint: true
default decision := {
	"allow": false,
	"reasons": ["no rule of this policy allows this message"],
	"mask": [],
	"quota": null,
	"obligations": {"require_mfa": null, "audit_level": "high"},
	"cache_ttl_ms": 0,
	"lists": null,
}

decision := _document(false, [_unsupported_version]) if not _supported_version

decision := _document(false, sort(_denials)) if {
	_supported_version
	count(_denials) > 0
}

decision := _document(true, sort(_grants)) if {
	_supported_version
	count(_denials) == 0
	count(_grants) > 0
}

# METADATA
# description: The input version this policy reads; the proxy may ask for it.
input_version := "2"

_document(allow, reasons) := {
	"allow": allow,
	"reasons": reasons,
	"mask": _mask(allow),
	"quota": _quota(allow),
	"obligations": {"require_mfa": _require_mfa, "audit_level": _audit_level(allow)},
	"cache_ttl_ms": _cache_ttl_ms(allow),
	"lists": _lists(allow),
}

# A later input version may move or re-mean fields; reading it as this one could allow
# what its sender meant to restrict, so any other version is refused outright.
_supported_version if input.version == input_version

_unsupported_version := sprintf(
	"policy input version %s is not supported; this policy reads version %q",
	[_shown(object.get(input, "version", null)), input_version],
)

# logging/setLevel only tunes what the server sends back; clients (the MCP Inspector among
# them) send it while connecting, so denying it would break the connection itself.
# The lists are allowed to everyone; their answers show only what the subject may use
# (_lists below). resources/unsubscribe only stops updates. server/discover is how a
# 2026-07-28 client opens: it tells what the server offers, its tools cut like tools/list.
_housekeeping_requests := {
	"initialize", "logging/setLevel", "ping", "tools/list", "server/discover",
	"prompts/list", "resources/list", "resources/templates/list", "resources/unsubscribe",
}

# subscriptions/listen (2026-07-28 only) opens the stream of list changes and resource
# updates that replaced the legacy GET stream and resources/subscribe. No decision covers
# what the server sends on it, so the proxy masks all of it with every class.
_modern_housekeeping if {
	_era == "modern"
	_method == "subscriptions/listen"
}

# Methods MCP 2026-07-28 removed: no handshake, no ping or log level, no resource
# subscriptions (subscriptions/listen replaces them). A modern request for one is
# denied here rather than passed to a server that may still answer it the old way.
_removed_in_modern := {
	"initialize", "logging/setLevel", "ping",
	"resources/subscribe", "resources/unsubscribe",
}

# The MCP era the proxy found the request in; an input without one is legacy.
_era := object.get(input, ["transport", "protocol_era"], "legacy")

# Requests decided per item with mcp.exposure: the kind of item and the input member naming it.
_item_requests := {
	"prompts/get": {"kind": "prompts", "member": "prompt", "noun": "prompt"},
	"resources/read": {"kind": "resources", "member": "resource", "noun": "resource"},
	"resources/subscribe": {"kind": "resources", "member": "resource", "noun": "resource"},
}

_kinds := {"request", "notification", "response"}

_message := object.get(input, "request", {})

# Who sent it; passed into the packages below, which read no input themselves.
_subject := object.get(input, "subject", {})

_method := object.get(_message, "method", null)

_tool := object.get(_message, "tool", null)

_arguments := object.get(_message, "arguments", {})

# What the proxy learned about the tool from the server's tools/list answer, or null.
_declared := object.get(input, "tool", null)

_tool_call if {
	_message.kind == "request"
	_message.method == "tools/call"
}

# A prompts/get, resources/read or resources/subscribe: what it asks for, and whether the
# subject's roles allow that item. An item that is missing or no string is never allowed.
_item := _item_requests[_method] if _message.kind == "request"

_item_name := object.get(_message, _item.member, null)

_item_allowed if exposure.allowed(_item.kind, _subject, _item_name)

# A catalogue entry without a known class is no tool this policy can decide.
_known_call if {
	_tool_call
	tools.decidable(_tool)
}

_class := tools.class_of(_tool, _declared) if _known_call

# What the call touches, from its arguments: {"workspace", "repository"}, lower-case
# slugs or null. Undefined when an argument is there but is not a slug.
_target := {"workspace": _slug(object.get(_arguments, "workspace", null)), "repository": _slug(object.get(
	_arguments,
	"repo",
	null,
))}

_slug(null) := null

# At most 128 characters, counted apart from the pattern: RE2 unrolls a counted
# repetition such as {0,127} into as many program states, and in the Wasm engine
# compiling and running that program cost more than the rest of a decision.
_slug(value) := lower(value) if {
	regex.match(`^[A-Za-z0-9{}][A-Za-z0-9._{}-]*$`, value)
	count(value) <= 128
}

_needs := {"none": set(), "workspace": {"workspace"}, "repository": {"workspace", "repository"}}

_roles := rbac.roles_for(_subject, _target)

_permitted if _class in rbac.classes_of(_roles)

_step_up_needed if {
	_known_call
	_class == "dangerous"
	_permitted
	not stepup.satisfied(_subject)
}

# Why each message may pass. Only counts when no denial below applies.

# Responses answer requests the server sent (sampling, elicitation, roots): the server asked.
_grants contains "responses to the server's own requests are allowed" if _message.kind == "response"

_grants contains concat("", [_shown(_method), " is protocol housekeeping"]) if {
	_message.kind == "request"
	_method in _housekeeping_requests
}

_grants contains concat("", [_shown(_method), " is protocol housekeeping"]) if {
	_message.kind == "request"
	_modern_housekeeping
}

_grants contains concat("", ["notification ", _shown(_method), " is protocol housekeeping"]) if {
	_message.kind == "notification"
	_protocol_notification
}

_grants contains concat("", ["your roles allow ", _class, " tool ", _shown(_tool), " here"]) if _permitted

_grants contains concat("", ["your roles allow ", _item.noun, " ", _shown(_item_name)]) if _item_allowed

# Why a message may not pass. Any one of these denies.

_denials contains concat("", ["messages travelling ", _shown(direction), " are not handled by this policy"]) if {
	direction := object.get(_message, "direction", null)
	direction != "client_to_server"
}

_denials contains concat("", ["message kind ", _shown(kind), " is not known"]) if {
	kind := object.get(_message, "kind", null)
	not kind in _kinds
}

_denials contains concat("", ["method ", _shown(_method), " does not exist in MCP 2026-07-28"]) if {
	_era == "modern"
	_message.kind == "request"
	_method in _removed_in_modern
}

_denials contains concat("", ["method ", _shown(_method), " is not allowed"]) if {
	_message.kind == "request"
	not _method in _housekeeping_requests
	not _modern_housekeeping
	not _method in object.keys(_item_requests)
	_method != "tools/call"
}

_denials contains concat("", ["your roles do not allow ", _item.noun, " ", _shown(_item_name)]) if {
	_item
	not _item_allowed
}

_denials contains concat("", ["notification ", _shown(_method), " is not allowed"]) if {
	_message.kind == "notification"
	not _protocol_notification
}

_denials contains concat("", ["unknown tool ", _shown(_tool)]) if {
	_tool_call
	not _known_call
}

_denials contains concat("", ["tool ", _shown(_tool), " needs workspace and repo arguments that are slugs"]) if {
	_known_call
	not _target_complete
}

_denials contains concat("", ["your roles do not allow ", _class, " tool ", _shown(_tool), " here"]) if {
	_target_complete
	not _permitted
}

_denials contains concat("", [
	"tool ", _shown(_tool), " is dangerous and needs a second factor within the last ",
	format_int(stepup.requirement.max_age_s, 10), " seconds: authenticate again (step-up)",
]) if {
	_step_up_needed
}

# Request-side DLP: the proxy classified the arguments' strings (request.argument_classes).
# A write sends them on to Bitbucket, where everyone with access to the repository reads
# them; a secret there is a leak. The reason names the class, never the value.
_denials contains concat("", [
	"tool ", _shown(_tool), " may not send data of class ", _shown(class), " found in its arguments",
]) if {
	_known_call
	_class in {"write", "dangerous"}
	some class in object.get(_message, "argument_classes", [])
	class in _never_sent
}

# Tool pinning and hidden text (mcp.pinning): what the proxy itself found about the called
# tool's definition, not the server's word.
_denials contains reason if {
	_tool_call
	some reason in pinning.denials(_shown(_tool), object.get(input, "tool", null))
}

_never_sent := {"secret"}

_target_complete if {
	_known_call
	every part in _needs[tools.scope_of(_tool)] {
		_target[part] != null
	}
}

_protocol_notification if startswith(_method, "notifications/")

# The terms of the decision.

# Data classes of the answer the subject's roles there may not see: every class the proxy
# can mask, whatever the tool declares (its declaration can only add).
default _mask(_) := []

_mask(true) := masked if {
	_known_call
	masked := dataclass.masked(tools.data_classes_of(_tool, _declared), _roles)
}

# A prompt's messages and a resource's contents are masked like a tool result, with the
# roles the subject holds anywhere (an item belongs to no workspace).
_mask(true) := dataclass.masked(set(), rbac.roles_anywhere(_subject)) if _item

default _quota(_) := null

_quota(true) := _bucket

_bucket := quota.for_call(_subject, _client_address, _class, _roles) if _known_call

# Getting a prompt or reading a resource is a read: it takes from the same bucket as a read
# tool, so switching from tools to resources buys no reads beyond the subject's quota.
_bucket := quota.for_call(_subject, _client_address, "read", rbac.roles_anywhere(_subject)) if _item_allowed

_bucket := quota.for_session(_subject, _client_address) if _opens_session

_opens_session if {
	_message.kind == "request"
	_method == "initialize"
}

_client_address := object.get(input, ["transport", "client_address"], null)

default _require_mfa := null

_require_mfa := stepup.requirement if _step_up_needed

# Denials, writes and dangerous calls are recorded in full; routine reads and housekeeping less so.
default _audit_level(_) := "high"

_audit_level(true) := "normal" if _routine

_routine if not _tool_call

_routine if _class == "read"

# How long the proxy may reuse this decision for the same input. Never for dangerous
# tools or a step-up (they depend on the clock through auth_time); briefly elsewhere,
# so a policy change reaches every caller within seconds even without a new revision.
default _cache_ttl_ms(_) := 5000

_cache_ttl_ms(_) := 0 if _class == "dangerous"

_cache_ttl_ms(true) := 60000 if not _tool_call

# What a list request's answer may show: the tools whose class the subject may call
# somewhere (tools/call still checks where); for prompts and resources, the patterns
# (mcp.patterns) of those the subject's roles allow, which the proxy applies to each
# listed name, URI or URI template. Null for every other message.
default _lists(_) := null

_lists(true) := {"prompts": exposure.visible("prompts", _subject)} if {
	_message.kind == "request"
	_method == "prompts/list"
}

_lists(true) := {"resources": exposure.visible("resources", _subject)} if {
	_message.kind == "request"
	_method in {"resources/list", "resources/templates/list"}
}

_lists(true) := {"tools": visible} if {
	_message.kind == "request"
	_method in {"tools/list", "server/discover"}
	callable := rbac.classes_anywhere(_subject) # once: a function's result is not kept between calls
	visible := sort([name |
		some name in tools.known
		tools.class_of(name, null) in callable
	])
}

# Renders a value the caller chose (a method, a tool name) for a reason. JSON quoting
# escapes control characters, so a crafted name cannot forge lines in logs or audit
# spans; the cut keeps a long one from bloating every reason.
_shown(value) := _cut(jsontext.marshal(value))

_cut(text) := text if count(text) <= _max_shown

_cut(text) := concat("", [substring(text, 0, _max_shown - 1), "…"]) if count(text) > _max_shown

_max_shown := 64
