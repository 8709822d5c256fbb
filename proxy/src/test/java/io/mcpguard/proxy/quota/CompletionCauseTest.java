package io.mcpguard.proxy.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class CompletionCauseTest {
    @Test
    void a_dependent_stage_s_wrapper_is_seen_through_and_anything_else_is_its_own_cause() {
        IllegalStateException down = new IllegalStateException("down");
        CompletionException bare = new CompletionException("no cause", null);

        assertThat(CompletionCause.of(new CompletionException(down))).isSameAs(down);
        assertThat(CompletionCause.of(down)).isSameAs(down);
        assertThat(CompletionCause.of(bare)).as("nothing inside to report").isSameAs(bare);
    }
}
