package mcp.pinning_test

import data.mcp.pinning

test_a_pinned_definition_passes if {
	count(pinning.denials("\"t\"", {"pin": {"mode": "pin", "status": "match"}, "description_findings": []})) == 0
}

test_a_drifted_definition_is_refused_in_pin_mode if {
	pinning.denials("\"t\"", {"pin": {"mode": "pin", "status": "drift"}}) == {
		"tool \"t\" changed since it was pinned: its definition is not the reviewed one",
	}
}

test_an_unpinned_or_unseen_tool_is_refused_in_pin_mode if {
	pinning.denials("\"t\"", {"pin": {"mode": "pin", "status": "unpinned"}}) == {
		"tool \"t\" is not pinned: its definition has not been reviewed",
	}
	pinning.denials("\"t\"", {"pin": {"mode": "pin", "status": "unseen"}}) == {
		"tool \"t\" has not been listed, so its definition could not be checked against its pin",
	}
}

test_warn_mode_and_no_pins_refuse_nothing if {
	count(pinning.denials("\"t\"", {"pin": {"mode": "warn", "status": "drift"}})) == 0
	count(pinning.denials("\"t\"", {"pin": null})) == 0
	count(pinning.denials("\"t\"", null)) == 0
}

test_hidden_characters_are_refused_in_any_mode if {
	every finding in ["tag_characters", "bidi_controls", "invisible_characters"] {
		pinning.denials("\"t\"", {"pin": null, "description_findings": ["urls", finding]}) == {
			"tool \"t\" has characters in its definition that a reviewer cannot see",
		}
	}
}

test_urls_and_instructions_alone_are_left_to_the_team if {
	count(pinning.denials("\"t\"", {"description_findings": ["instructions_to_the_model", "urls"]})) == 0
}
