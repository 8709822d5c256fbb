package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class DecisionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Decision decision(String result) throws Exception {
        return DecisionReader.read(JSON.readTree(result), null, "r1");
    }

    @Test
    void a_require_mfa_obligation_asks_for_step_up_and_its_absence_does_not() throws Exception {
        assertThat(decision("""
                        {"allow":false,"obligations":{"require_mfa":{"amr_any":["otp"],"max_age_s":900}}}""").requiresMfa()).isTrue();
        assertThat(decision("{\"allow\":false,\"obligations\":{\"require_mfa\":null}}")
                        .requiresMfa())
                .isFalse();
        assertThat(decision("{\"allow\":false}").requiresMfa()).isFalse();
    }
}
