package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which parameters a tool's schema mirrors into {@code Mcp-Param-*} headers. */
class ParamHeadersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void properties_reached_through_properties_chains_are_found_by_lower_cased_header_name() throws Exception {
        Map<String, List<String>> headers = ParamHeaders.of(JSON.readTree("""
                {"type":"object","properties":{
                  "region":{"type":"string","x-mcp-header":"Region"},
                  "target":{"type":"object","properties":{"id":{"type":"integer","x-mcp-header":"Target-Id"}}},
                  "plain":{"type":"string"},
                  "empty":{"type":"string","x-mcp-header":""},
                  "number":{"type":"string","x-mcp-header":7},
                  "again":{"type":"string","x-mcp-header":"REGION"}}}"""));

        assertThat(headers).containsOnlyKeys("region", "target-id").containsEntry("target-id", List.of("target", "id"));
        assertThat(headers.get("region")).hasSize(1);
    }

    @Test
    void a_schema_without_properties_or_none_at_all_mirrors_nothing() throws Exception {
        assertThat(ParamHeaders.of(null)).isEmpty();
        assertThat(ParamHeaders.of(JSON.readTree("{\"type\":\"object\"}"))).isEmpty();
        assertThat(ParamHeaders.of(JSON.readTree("{\"properties\":[1]}"))).isEmpty();
    }

    @Test
    void nesting_is_followed_to_a_bound() throws Exception {
        StringBuilder schema = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            schema.append("{\"properties\":{\"p").append(i).append("\":");
        }
        schema.append("{\"x-mcp-header\":\"Deep\"}");
        schema.append("}}".repeat(12));

        assertThat(ParamHeaders.of(JSON.readTree(schema.toString()))).isEmpty();
    }
}
