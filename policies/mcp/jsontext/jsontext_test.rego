package mcp.jsontext_test

import data.mcp.jsontext

test_html_characters_and_line_separators_are_escaped if {
	jsontext.marshal("a<b>&c\u2028\u2029") == `"a\u003cb\u003e\u0026c\u2028\u2029"`
}

test_other_values_are_json_marshal if {
	jsontext.marshal(["x", 1, null, {"k": "é\n"}]) == json.marshal(["x", 1, null, {"k": "é\n"}])
}
