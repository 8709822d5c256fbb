package io.mcpguard.proxy.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

/** The JSON-RPC error the proxy answers in place of a message. */
class RefusalTest {
    @Test
    void a_refusal_carries_the_id_code_message_and_data() {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("retry_after_ms", 1200);

        ObjectNode json = new Refusal(IntNode.valueOf(7), ErrorCode.OVER_QUOTA, "Over quota", data).toJson();

        assertThat(json.toString())
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":" + ErrorCode.OVER_QUOTA.code()
                        + ",\"message\":\"Over quota\",\"data\":{\"retry_after_ms\":1200}}}");
    }

    @Test
    void without_an_id_the_id_is_null_and_empty_or_missing_data_is_left_out() {
        ObjectNode empty = JsonNodeFactory.instance.objectNode();

        assertThat(new Refusal(null, ErrorCode.PARSE_ERROR, "m", empty).toJson().toString())
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"m\"}}");
        assertThat(new Refusal(null, ErrorCode.PARSE_ERROR, "m", null).toJson().has("id"))
                .isTrue();
        assertThat(new Refusal(null, ErrorCode.PARSE_ERROR, "m", null)
                        .toJson()
                        .get("error")
                        .has("data"))
                .isFalse();
    }

    @Test
    void a_decoder_refusal_keeps_its_id_code_and_message() {
        JsonRpcException e = new JsonRpcException(ErrorCode.INVALID_PARAMS, "bad params", IntNode.valueOf(3));

        Refusal refusal = Refusal.of(e);

        assertThat(refusal).isEqualTo(new Refusal(IntNode.valueOf(3), ErrorCode.INVALID_PARAMS, "bad params", null));
        assertThat(e.recordedReason()).isEqualTo("bad params");
        assertThat(ErrorCode.INVALID_PARAMS.httpStatus()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
    }
}
