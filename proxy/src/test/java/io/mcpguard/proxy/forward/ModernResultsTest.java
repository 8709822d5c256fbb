package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The shape a bridged legacy result is given for a 2026-07-28 client. */
class ModernResultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode response(String result) throws Exception {
        return (ObjectNode) JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" + result + "}");
    }

    @Test
    void every_result_names_its_type_and_only_cacheable_ones_get_the_narrowest_hints() throws Exception {
        ObjectNode call = response("{\"content\":[]}");
        ObjectNode list = response("{\"tools\":[]}");

        assertThat(ModernResults.reshape(call, "tools/call")).isTrue();
        assertThat(ModernResults.reshape(list, "tools/list")).isTrue();

        assertThat(call.get("result").toString()).isEqualTo("{\"content\":[],\"resultType\":\"complete\"}");
        assertThat(list.get("result").toString())
                .isEqualTo("{\"tools\":[],\"resultType\":\"complete\",\"ttlMs\":0,\"cacheScope\":\"private\"}");
    }

    @Test
    void valid_hints_and_a_stated_type_are_kept_and_then_nothing_changes() throws Exception {
        ObjectNode list =
                response("{\"resources\":[],\"resultType\":\"complete\",\"ttlMs\":5000,\"cacheScope\":\"public\"}");

        assertThat(ModernResults.reshape(list, "resources/list")).isFalse();
        assertThat(list.at("/result/ttlMs").asInt()).isEqualTo(5000);
        ObjectNode uncached =
                response("{\"tools\":[],\"resultType\":\"complete\",\"ttlMs\":0,\"cacheScope\":\"private\"}");
        assertThat(ModernResults.reshape(uncached, "tools/list"))
                .as("a ttl of 0 is valid")
                .isFalse();
    }

    @Test
    void invalid_hints_are_replaced() throws Exception {
        for (String hints : new String[] {
            "\"ttlMs\":-1,\"cacheScope\":\"everyone\"",
            "\"ttlMs\":1.5,\"cacheScope\":7",
            "\"ttlMs\":\"10\",\"cacheScope\":null"
        }) {
            ObjectNode read = response("{\"contents\":[]," + hints + "}");

            assertThat(ModernResults.reshape(read, "resources/read")).isTrue();
            assertThat(read.at("/result/ttlMs").asInt()).as(hints).isZero();
            assertThat(read.at("/result/cacheScope").asText()).as(hints).isEqualTo("private");
        }
    }

    @Test
    void an_error_or_a_result_that_is_no_object_is_left_alone() throws Exception {
        ObjectNode error = (ObjectNode) JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1}}");
        ObjectNode odd = response("[1]");
        ObjectNode pending = response("{\"resultType\":\"input_required\",\"requestState\":\"s\"}");

        assertThat(ModernResults.reshape(error, "tools/list")).isFalse();
        assertThat(ModernResults.reshape(odd, "tools/list")).isFalse();
        assertThat(ModernResults.reshape(pending, "tools/list"))
                .as("hints belong to complete results")
                .isFalse();
    }

    @Test
    void a_result_cached_for_everyone_is_narrowed_to_its_subject() throws Exception {
        ObjectNode shared = response("{\"tools\":[],\"ttlMs\":60000,\"cacheScope\":\"public\"}");
        ObjectNode odd = response("{\"contents\":[],\"cacheScope\":null}");
        ObjectNode own = response("{\"tools\":[],\"cacheScope\":\"private\"}");
        ObjectNode none = response("{\"content\":[]}");

        assertThat(ModernResults.privateCache(shared)).isTrue();
        assertThat(ModernResults.privateCache(odd)).isTrue();
        assertThat(ModernResults.privateCache(own)).isFalse();
        assertThat(ModernResults.privateCache(none)).isFalse();
        assertThat(shared.at("/result/cacheScope").asText()).isEqualTo("private");
        assertThat(shared.at("/result/ttlMs").asInt()).isEqualTo(60000);
        assertThat(odd.at("/result/cacheScope").asText()).isEqualTo("private");
        assertThat(none.get("result").has("cacheScope")).isFalse();
    }
}
