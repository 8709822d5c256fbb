# METADATA
# title: Tool pinning and hidden text
# description: |
#   A tool's definition (description, schemas, annotations) tells the model what the tool
#   does; a server that rewrites it after it was reviewed ("rug pull") changes what the
#   model will do. The proxy fingerprints each definition it sees in tools/list and compares
#   it with the team's pins (upstream.tool-pins): input.tool.pin says the mode and whether the
#   definition is the pinned one. In pin mode, a call to a tool that drifted, was never
#   pinned, or was never listed is refused. In any mode, a definition carrying characters a
#   reviewer cannot see (Unicode tags, bidirectional controls, zero-width characters) is
#   refused: there is no honest reason for them in text meant for a model.
package mcp.pinning

# METADATA
# description: |
#   Why a call to a tool is refused; empty when it is not. `shown` is the tool's name as
#   reasons show it, `tool` the proxy's facts about it (input.tool, possibly null).
denials(shown, tool) := {concat("", ["tool ", shown, " ", why]) | some why in _why(_facts(tool))}

_why(facts) := pin_reasons | hidden_reasons if {
	pin_reasons := {reason |
		pin := object.get(facts, "pin", null)
		pin.mode == "pin"
		pin.status != "match"
		reason := object.get(_pin_reasons, pin.status, "does not match its pin")
	}
	hidden_reasons := {"has characters in its definition that a reviewer cannot see" |
		some finding in object.get(facts, "description_findings", [])
		finding in _hidden_text
	}
}

_facts(tool) := tool if is_object(tool)

_facts(tool) := {} if not is_object(tool)

_pin_reasons := {
	"drift": "changed since it was pinned: its definition is not the reviewed one",
	"unpinned": "is not pinned: its definition has not been reviewed",
	"unseen": "has not been listed, so its definition could not be checked against its pin",
}

_hidden_text := {"tag_characters", "bidi_controls", "invisible_characters"}
