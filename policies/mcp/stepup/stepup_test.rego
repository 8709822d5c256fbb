package mcp.stepup_test

import data.mcp.stepup

now_s := 1795993200

subject(amr, auth_time) := {"amr": amr, "auth_time": auth_time}

test_a_recent_one_time_password_satisfies_step_up if {
	stepup.satisfied(subject(["pwd", "otp"], now_s - 30)) with time.now_ns as now_s * 1000000000
}

test_a_password_alone_does_not_satisfy_step_up if {
	not stepup.satisfied(subject(["pwd"], now_s)) with time.now_ns as now_s * 1000000000
}

test_a_second_factor_older_than_the_maximum_age_does_not_satisfy_step_up if {
	not stepup.satisfied(subject(["mfa"], now_s - 901)) with time.now_ns as now_s * 1000000000
	stepup.satisfied(subject(["mfa"], now_s - 900)) with time.now_ns as now_s * 1000000000
}

test_a_missing_auth_time_does_not_satisfy_step_up if {
	not stepup.satisfied(subject(["hwk"], null)) with time.now_ns as now_s * 1000000000
}

test_the_requirement_names_the_factors_and_the_age if {
	stepup.requirement == {"amr_any": ["hwk", "mfa", "otp", "swk"], "max_age_s": 900}
}
