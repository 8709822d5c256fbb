package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Decision decision(String result) throws Exception {
        return new Decision(false, List.of(), null, null, JSON.readTree(result));
    }

    @Test
    void only_a_boolean_true_require_mfa_obligation_asks_for_step_up() throws Exception {
        assertThat(decision("{\"allow\":false,\"obligations\":{\"require_mfa\":true}}")
                        .requiresMfa())
                .isTrue();
        assertThat(decision("{\"allow\":false,\"obligations\":{\"require_mfa\":\"true\"}}")
                        .requiresMfa())
                .isFalse();
        assertThat(decision("{\"allow\":false,\"obligations\":{\"require_mfa\":false}}")
                        .requiresMfa())
                .isFalse();
        assertThat(decision("{\"allow\":false,\"obligations\":[]}").requiresMfa())
                .isFalse();
        assertThat(decision("{\"allow\":false}").requiresMfa()).isFalse();
        assertThat(new Decision(false, List.of(), null, null, null).requiresMfa())
                .isFalse();
    }
}
