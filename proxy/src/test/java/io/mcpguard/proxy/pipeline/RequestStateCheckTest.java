package io.mcpguard.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.forward.SealedRequestStates;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A retry's request state opened for the server, or refused before anything decides the retry. */
class RequestStateCheckTest {
    private static final JsonRpcDecoder DECODER = new JsonRpcDecoder(64, 1 << 20, 32);
    private static final SealedRequestStates STATES =
            new SealedRequestStates(Duration.ofMinutes(10), Clock.systemUTC());

    private static DecodedBody retry(String state) throws JsonRpcException {
        return DECODER.decode(("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
                        + "\"requestState\":" + state + "}}")
                .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void a_sealed_state_is_opened_in_the_message_and_in_the_bytes_sent() throws Exception {
        DecodedBody opened = RequestStateCheck.opened(
                retry("\"" + STATES.seal("alice", "s-1") + "\""), "alice", STATES, DECODER.mapper());

        assertThat(opened.messages().get(0).params().get("requestState").asText())
                .isEqualTo("s-1");
        assertThat(new String(opened.canonicalBytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
                        + "\"requestState\":\"s-1\"}}");
        assertThat(opened.messages().get(0).toolName()).isEqualTo("t");
    }

    @Test
    void a_body_without_a_state_passes_as_it_is() throws Exception {
        DecodedBody plain = DECODER.decode(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(RequestStateCheck.opened(plain, "alice", STATES, DECODER.mapper()))
                .isSameAs(plain);
    }

    @Test
    void another_subjects_a_forged_or_a_non_text_state_is_refused_as_invalid_params() throws Exception {
        for (String state : new String[] {"\"" + STATES.seal("bob", "s-1") + "\"", "\"s-1\"", "{\"s\":1}", "7"}) {
            assertThatThrownBy(() -> RequestStateCheck.opened(retry(state), "alice", STATES, DECODER.mapper()))
                    .as(state)
                    .isInstanceOfSatisfying(JsonRpcException.class, e -> {
                        assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_PARAMS);
                        assertThat(e.getMessage()).doesNotContain("s-1");
                    });
        }
    }

    @Test
    void a_batch_carries_no_state_and_one_without_passes() throws Exception {
        DecodedBody withState = DECODER.decode(("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"},"
                        + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
                        + "\"requestState\":\"" + STATES.seal("alice", "s") + "\"}}]")
                .getBytes(StandardCharsets.UTF_8));
        DecodedBody plain = DECODER.decode(
                "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}]".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> RequestStateCheck.opened(withState, "alice", STATES, DECODER.mapper()))
                .isInstanceOfSatisfying(
                        JsonRpcException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_PARAMS));
        assertThat(RequestStateCheck.opened(plain, "alice", STATES, DECODER.mapper()))
                .isSameAs(plain);
    }
}
