package io.mcpguard.proxy.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.util.Set;

/**
 * Fuzzes the strict JSON-RPC decoder against plain Jackson (a differential oracle): whatever the decoder accepts,
 * Jackson reads its canonical output to the same tree as the client's bytes — the policy and the server see one
 * message — and the canonical form is a fixed point. Whatever it refuses is refused with a JSON-RPC error code a
 * client can be answered with, never with an unexpected exception (which would reach Netty as a 500 or a reset).
 *
 * <p>Seeds: {@code src/test/resources/io/mcpguard/proxy/jsonrpc/JsonRpcDecoderFuzzTestInputs}. Run in regression
 * mode with the unit tests, fuzzed for a short while in {@code verify} and for longer by {@code scripts/fuzz.sh}.
 */
class JsonRpcDecoderFuzzTest {
    /** Tight limits, so a short run reaches every limit; and the shipped defaults. */
    private static final JsonRpcDecoder TIGHT = new JsonRpcDecoder(8, 64, 3);

    private static final JsonRpcDecoder DEFAULTS = new JsonRpcDecoder(64, 1 << 20, 32);

    private static final Set<ErrorCode> DECODER_CODES =
            Set.of(ErrorCode.PARSE_ERROR, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_PARAMS);

    /** A reader without our strictness but with the same number model: exact integers and decimals. */
    private static final ObjectMapper REFERENCE = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    static {
        REFERENCE
                .getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(2000).build());
    }

    @FuzzTest(maxDuration = "10s")
    void decoded_or_refused_cleanly(byte[] body) throws IOException {
        check(TIGHT, body);
        check(DEFAULTS, body);
    }

    private static void check(JsonRpcDecoder decoder, byte[] body) throws IOException {
        DecodedBody decoded;
        try {
            decoded = decoder.decode(body);
        } catch (JsonRpcException refused) {
            assertThat(DECODER_CODES).contains(refused.errorCode());
            assertThat(refused.getMessage()).isNotBlank();
            assertThat(refused.recordedReason()).isNotBlank();
            assertThat(Refusal.of(refused).toJson().get("error").get("code").isInt())
                    .isTrue();
            return;
        }
        JsonNode asSent = REFERENCE.readTree(body);
        JsonNode canonical = REFERENCE.readTree(decoded.canonicalBytes());
        assertThat(canonical)
                .as("what the server reads is what the client sent")
                .isEqualTo(asSent);
        assertThat(decoded.batch()).isEqualTo(asSent.isArray());
        assertThat(decoded.messages()).hasSize(asSent.isArray() ? asSent.size() : 1);

        DecodedBody again;
        try {
            again = decoder.decode(decoded.canonicalBytes());
        } catch (JsonRpcException e) {
            throw new AssertionError("the canonical form of an accepted message is refused: " + e.getMessage(), e);
        }
        assertThat(again.canonicalBytes()).as("canonical form is a fixed point").isEqualTo(decoded.canonicalBytes());
    }
}
