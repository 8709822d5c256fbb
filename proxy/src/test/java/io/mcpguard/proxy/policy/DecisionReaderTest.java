package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A decision the proxy cannot read exactly is no decision: it denies, rather than enforce half of it. */
class DecisionReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Decision read(String json) throws Exception {
        return DecisionReader.read(JSON.readTree(json), null, "r1");
    }

    @Test
    void a_minimal_decision_means_nothing_more_to_do() throws Exception {
        Decision decision = read("{\"allow\":true,\"reasons\":[\"ok\"]}");

        assertThat(decision.mask()).isEmpty();
        assertThat(decision.quota()).isNull();
        assertThat(decision.stepUp()).isNull();
        assertThat(decision.cacheTtlMillis()).isZero();
        assertThat(decision.visibleTools()).isNull();
        assertThat(decision.revision()).isEqualTo("r1");
    }

    @Test
    void a_quota_fails_closed_on_store_failure_unless_the_policy_says_local() throws Exception {
        String quota = "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":1,\"window_ms\":1000,\"cost\":1";

        assertThat(read(quota + "}}").quota().onStoreFailure()).isEqualTo(Decision.StoreFailureMode.DENY);
        assertThat(read(quota + ",\"on_store_failure\":\"deny\"}}").quota().onStoreFailure())
                .isEqualTo(Decision.StoreFailureMode.DENY);
        assertThat(read(quota + ",\"on_store_failure\":\"local\"}}").quota().onStoreFailure())
                .isEqualTo(Decision.StoreFailureMode.LOCAL);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"allow\":\"yes\"}",
                "[true]",
                "{\"allow\":true,\"mask\":\"secret\"}",
                "{\"allow\":true,\"mask\":[1]}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":0,\"window_ms\":1000}}",
                "{\"allow\":true,\"quota\":{\"key\":\"\",\"limit\":1,\"window_ms\":1000}}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":1.5,\"window_ms\":1000}}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":1,\"window_ms\":1000,\"on_store_failure\":\"open\"}}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":1,\"window_ms\":1000,\"on_store_failure\":true}}",
                "{\"allow\":true,\"cache_ttl_ms\":-1}",
                "{\"allow\":true,\"lists\":{\"tools\":\"all\"}}",
                "{\"allow\":false,\"obligations\":{\"require_mfa\":true}}",
                "{}",
                "{\"allow\":null}",
                "{\"allow\":true,\"reasons\":\"ok\"}",
                "{\"allow\":true,\"quota\":{\"limit\":1,\"window_ms\":1000}}",
                "{\"allow\":true,\"quota\":{\"key\":7,\"limit\":1,\"window_ms\":1000}}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"window_ms\":1000}}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":1,\"window_ms\":0}}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":-1,\"window_ms\":1000}}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":1,\"window_ms\":1000,\"cost\":0}}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":1,\"window_ms\":1000,\"cost\":\"1\"}}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":100000000000000000000,\"window_ms\":1000}}",
                "{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":1,\"window_ms\":1000,\"on_store_failure\":\"Local\"}}",
                "{\"allow\":false,\"obligations\":{\"require_mfa\":{\"amr_any\":\"otp\",\"max_age_s\":60}}}",
                "{\"allow\":false,\"obligations\":{\"require_mfa\":{\"amr_any\":[\"otp\"],\"max_age_s\":-1}}}",
                "{\"allow\":false,\"obligations\":{\"require_mfa\":{\"amr_any\":[\"otp\"]}}}",
                "{\"allow\":true,\"lists\":{\"tools\":[\"a\",1]}}",
                "{\"allow\":true,\"cache_ttl_ms\":1.5}",
            })
    void a_malformed_member_makes_the_whole_decision_unusable(String json) {
        assertThatThrownBy(() -> read(json)).isInstanceOf(PolicyUnavailableException.class);
    }

    @Test
    void no_result_at_all_is_unusable() {
        assertThatThrownBy(() -> DecisionReader.read(null, "d", "r"))
                .isInstanceOf(PolicyUnavailableException.class)
                .hasMessage("policy decision has no boolean \"allow\"");
    }

    @Test
    void every_member_is_read_as_written() throws Exception {
        Decision decision = DecisionReader.read(JSON.readTree("""
                        {"allow":false,"reasons":["a",1,null,"b"],"mask":["email"],
                         "quota":{"key":"k","limit":5,"window_ms":1000},
                         "obligations":{"require_mfa":{"amr_any":["otp"],"max_age_s":0},"audit_level":"full"},
                         "cache_ttl_ms":0,"lists":{"tools":["t1","t2","t1"]}}"""), "d-1", "r1");

        assertThat(decision.allow()).isFalse();
        // Reasons only explain: a non-text entry is skipped, not fatal.
        assertThat(decision.reasons()).containsExactly("a", "b");
        assertThat(decision.mask()).containsExactly("email");
        assertThat(decision.quota()).isEqualTo(new Decision.QuotaSpec("k", 5, 1000, 1, Decision.StoreFailureMode.DENY));
        assertThat(decision.stepUp()).isEqualTo(new Decision.StepUp(java.util.List.of("otp"), 0));
        assertThat(decision.auditLevel()).isEqualTo("full");
        assertThat(decision.cacheTtlMillis()).isZero();
        assertThat(decision.visibleTools()).containsExactlyInAnyOrder("t1", "t2");
        assertThat(decision.decisionId()).isEqualTo("d-1");
    }

    @Test
    void absent_or_null_members_take_their_safe_defaults() throws Exception {
        Decision decision = read("""
                {"allow":true,"reasons":null,"mask":null,"quota":null,"cache_ttl_ms":null,
                 "obligations":{"require_mfa":null,"audit_level":5},"lists":{"tools":null}}""");

        assertThat(decision.reasons()).isEmpty();
        assertThat(decision.mask()).isEmpty();
        assertThat(decision.quota()).isNull();
        assertThat(decision.stepUp()).isNull();
        assertThat(decision.auditLevel()).isEqualTo("normal");
        assertThat(decision.cacheTtlMillis()).isZero();
        assertThat(decision.visibleTools()).isNull();
        assertThat(read("{\"allow\":true,\"lists\":null}").visibleTools()).isNull();
        assertThat(read("{\"allow\":true,\"lists\":{}}").visibleTools()).isNull();
        assertThat(read("{\"allow\":true,\"lists\":{\"tools\":[]}}").visibleTools())
                .isEmpty();
        assertThat(read("{\"allow\":true,\"cache_ttl_ms\":250}").cacheTtlMillis())
                .isEqualTo(250);
        assertThat(read("{\"allow\":true,\"quota\":{\"key\":\"k\",\"limit\":1,\"window_ms\":1,\"cost\":3,"
                                + "\"on_store_failure\":null}}")
                        .quota())
                .isEqualTo(new Decision.QuotaSpec("k", 1, 1, 3, Decision.StoreFailureMode.DENY));
    }

    @Test
    void prompt_and_resource_lists_are_read_as_patterns_and_absent_ones_stay_null() throws Exception {
        Decision prompts = read("{\"allow\":true,\"lists\":{\"prompts\":[\"simple-prompt\",\"args-*\"]}}");
        assertThat(prompts.visiblePrompts().patterns()).containsExactly("simple-prompt", "args-*");
        assertThat(prompts.visibleResources()).isNull();
        assertThat(prompts.visibleTools()).isNull();

        Decision resources = read("{\"allow\":true,\"lists\":{\"resources\":[\"demo://*\"]}}");
        assertThat(resources.visibleResources().matches("demo://a")).isTrue();
        assertThat(resources.visiblePrompts()).isNull();
        assertThat(read("{\"allow\":true,\"lists\":{\"prompts\":null}}").visiblePrompts())
                .isNull();
    }

    @Test
    void a_prompt_or_resource_list_that_is_not_an_array_of_strings_makes_the_decision_unusable() {
        for (String json : java.util.List.of(
                "{\"allow\":true,\"lists\":{\"prompts\":\"*\"}}",
                "{\"allow\":true,\"lists\":{\"resources\":[\"demo://*\",7]}}")) {
            assertThatThrownBy(() -> read(json))
                    .as(json)
                    .isInstanceOf(PolicyUnavailableException.class)
                    .hasMessageContaining("lists.");
        }
    }
}
