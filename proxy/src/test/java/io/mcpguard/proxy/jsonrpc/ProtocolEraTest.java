package io.mcpguard.proxy.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProtocolEraTest {
    private static final JsonRpcDecoder DECODER = new JsonRpcDecoder(64, 1 << 20, 32);

    private static DecodedBody body(String json) throws JsonRpcException {
        return DECODER.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static final String META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}";

    @Test
    void a_meta_version_makes_a_request_modern_whatever_the_header() throws Exception {
        ProtocolEra era = ProtocolEra.of(
                null, body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" + META + "}}"));

        assertThat(era.era()).isEqualTo(ProtocolEra.Era.MODERN);
        assertThat(era.version()).isEqualTo("2026-07-28");
    }

    @Test
    void a_modern_header_makes_a_request_modern_unless_it_is_initialize() throws Exception {
        assertThat(ProtocolEra.of("2026-07-28", body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"))
                        .modern())
                .isTrue();
        assertThat(ProtocolEra.of("2027-01-01", body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"))
                        .modern())
                .as("a later, unknown version is modern too (and refused as unsupported)")
                .isTrue();
        assertThat(ProtocolEra.of(
                                "2026-07-28",
                                body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{" + META
                                        + "}}"))
                        .modern())
                .isFalse();
    }

    @Test
    void legacy_headers_and_no_header_are_legacy() throws Exception {
        for (String header : new String[] {null, "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "junk"}) {
            ProtocolEra era = ProtocolEra.of(header, body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"));
            assertThat(era.era()).as(String.valueOf(header)).isEqualTo(ProtocolEra.Era.LEGACY);
            assertThat(era.version()).isEqualTo(header);
        }
        assertThat(ProtocolEra.ofHeader("2026-07-28").modern()).isTrue();
        assertThat(ProtocolEra.ofHeader(null).modern()).isFalse();
    }

    @Test
    void the_first_meta_version_of_a_body_counts_and_one_that_is_no_text_still_marks_it_modern() throws Exception {
        ProtocolEra batch = ProtocolEra.of(
                null,
                body("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"_meta\":"
                        + "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}},"
                        + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",\"params\":{\"_meta\":"
                        + "{\"io.modelcontextprotocol/protocolVersion\":\"2027-01-01\"}}}]"));
        ProtocolEra number = ProtocolEra.of(
                null,
                body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"_meta\":"
                        + "{\"io.modelcontextprotocol/protocolVersion\":20260728}}}"));

        assertThat(batch.version()).isEqualTo("2026-07-28");
        assertThat(number.modern()).isTrue();
        assertThat(number.version()).isEqualTo("20260728");
        assertThat(number.era().wireName()).isEqualTo("modern");
        assertThat(ProtocolEra.Era.LEGACY.wireName()).isEqualTo("legacy");
    }

    @Test
    void meta_without_a_version_or_that_is_no_object_names_no_era() throws Exception {
        for (String params : new String[] {"{}", "{\"_meta\":{}}", "{\"_meta\":\"2026-07-28\"}"}) {
            ProtocolEra era = ProtocolEra.of(
                    null, body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":" + params + "}"));
            assertThat(era.modern()).as(params).isFalse();
        }
        assertThat(ProtocolEra.modernHeader("2025-01-01"))
                .as("a date before 2026-07-28 that is no legacy version is not modern")
                .isFalse();
    }
}
