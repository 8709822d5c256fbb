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
            })
    void a_malformed_member_makes_the_whole_decision_unusable(String json) {
        assertThatThrownBy(() -> read(json)).isInstanceOf(PolicyUnavailableException.class);
    }
}
