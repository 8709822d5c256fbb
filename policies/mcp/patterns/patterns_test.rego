package mcp.patterns_test

import data.mcp.patterns

test_a_plain_pattern_matches_only_itself if {
	patterns.matches("simple-prompt", "simple-prompt")
	not patterns.matches("simple-prompt", "simple-prompt-2")
	not patterns.matches("simple-prompt", "Simple-prompt")
}

test_a_trailing_star_matches_what_starts_with_the_rest if {
	patterns.matches("demo://resource/static/*", "demo://resource/static/document/a.md")
	patterns.matches("demo://resource/static/*", "demo://resource/static/")
	not patterns.matches("demo://resource/static/*", "demo://resource/dynamic/text/1")
}

test_a_lone_star_matches_every_plain_value if {
	patterns.matches("*", "anything-at-all")
	patterns.matches("*", "")
}

test_a_star_elsewhere_is_a_plain_character if {
	not patterns.matches("demo://*/a", "demo://x/a")
	patterns.matches("demo://*/a", "demo://*/a")
}

test_the_rest_may_not_climb_out_of_the_start if {
	not patterns.matches("demo://docs/*", "demo://docs/../secrets/key")
	not patterns.matches("demo://docs/*", "demo://docs/%2E%2E/secrets/key")
	not patterns.matches("demo://docs/*", "demo://docs/a%2fb")
	not patterns.matches("demo://docs/*", "demo://docs/a%5Cb")
	not patterns.matches("demo://docs/*", "demo://docs/a\\b")
	not patterns.matches("demo://docs/*", "demo://docs/a b")
	not patterns.matches("demo://docs/*", "demo://docs/a\nb")
	patterns.matches("demo://docs/*", "demo://docs/a.b/c%20d")
}

test_a_value_that_is_no_string_never_matches if {
	not patterns.matches("*", null)
	not patterns.matches("1", 1)
}
