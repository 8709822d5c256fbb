package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.spec.McpError;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpstreamErrorSanitizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final UpstreamErrorSanitizer sanitizer = new UpstreamErrorSanitizer(new TextMasker(
            SensitiveDataScanner.withDefaults(List.of("internal")),
            "0123456789abcdef0123456789abcdef-test".getBytes(StandardCharsets.UTF_8)));

    @Test
    void the_mcp_java_sdks_serialised_exception_becomes_a_clean_json_rpc_error() throws Exception {
        // What the SDK 2.1.0 transport writes for some errors: the exception object itself, frames and all.
        McpError leaked =
                McpError.builder(-32600).message("Session not found: 3f2a6c1e").build();
        JsonNode body = JSON.readTree(JSON.writeValueAsString(leaked));
        assertThat(body.toString()).contains("stackTrace").contains("io.modelcontextprotocol");

        ObjectNode clean = sanitizer.sanitize(body, null, IntNode.valueOf(4), "MCP server error");

        assertThat(clean.get("id").asInt()).isEqualTo(4);
        assertThat(clean.at("/error/code").asInt()).isEqualTo(-32600);
        assertThat(clean.at("/error/message").asText()).isEqualTo("Session not found: 3f2a6c1e");
        assertThat(clean.toString()).doesNotContain("stackTrace").doesNotContain("io.modelcontextprotocol");
    }

    @Test
    void stack_frames_exception_classes_paths_and_internal_hosts_are_stripped_from_text() {
        String trace = """
                java.lang.IllegalStateException: cannot reach pg-payments-01.prod.acme-corp.internal (10.12.0.7)
                \tat io.mcpguard.core.tools.ReadTools.call(ReadTools.java:93)
                \tat java.base/java.lang.Thread.run(Thread.java:840)
                Caused by: java.net.ConnectException: Connection refused
                \t... 12 more
                while reading /opt/app/config/application-prod.yml:14""";

        String clean = sanitizer.cleanText(trace);

        assertThat(clean)
                .isEqualTo(
                        "cannot reach [REDACTED:internal-hostname] ([REDACTED:private-ip])" + " while reading [path]")
                .doesNotContain("java.")
                .doesNotContain("ReadTools");
    }

    @Test
    void a_proper_json_rpc_error_keeps_its_code_and_loses_structured_data() throws Exception {
        JsonNode body = JSON.readTree("""
                {"jsonrpc":"2.0","id":"r1","error":{"code":-32602,"message":"Unknown tool: invalid_tool_name",
                 "data":{"trace":["at a.B.c(B.java:1)"],"host":"db.acme-corp.internal"}}}""");

        ObjectNode clean = sanitizer.sanitize(body, null, null, "MCP server error");

        assertThat(clean.get("id").asText()).isEqualTo("r1");
        assertThat(clean.at("/error/code").asInt()).isEqualTo(-32602);
        assertThat(clean.at("/error/message").asText()).isEqualTo("Unknown tool: invalid_tool_name");
        assertThat(clean.at("/error").has("data")).isFalse();
    }

    @Test
    void an_html_error_page_becomes_its_words_or_the_fallback() {
        ObjectNode fromHtml = sanitizer.sanitize(
                null,
                "<html><body><h2>HTTP ERROR 403 Invalid Origin header</h2><pre>at org.eclipse.jetty.X.y(X.java:1)</pre>"
                        + "</body></html>",
                null,
                "MCP server error (HTTP 403)");
        ObjectNode fromNothing = sanitizer.sanitize(null, "", null, "MCP server error (HTTP 502)");

        assertThat(fromHtml.at("/error/message").asText()).isEqualTo("HTTP ERROR 403 Invalid Origin header");
        assertThat(fromNothing.at("/error/message").asText()).isEqualTo("MCP server error (HTTP 502)");
        assertThat(fromNothing.at("/error/code").asInt()).isEqualTo(-32603);
    }

    @Test
    void the_callers_id_wins_a_missing_or_null_id_answers_null_and_an_odd_code_is_internal_error() throws Exception {
        JsonNode body = JSON.readTree("""
                {"jsonrpc":"2.0","id":"r1","error":{"code":"E42","message":"quota exceeded"}}""");
        JsonNode nullId = JSON.readTree("""
                {"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"quota exceeded"}}""");
        JsonNode noId = JSON.readTree("""
                {"jsonrpc":"2.0","error":{"code":-32001,"message":"quota exceeded"}}""");

        ObjectNode clean = sanitizer.sanitize(body, null, IntNode.valueOf(7), "MCP server error");

        assertThat(clean.get("id").asInt()).isEqualTo(7);
        assertThat(clean.at("/error/code").asInt()).isEqualTo(-32603);
        assertThat(clean.at("/error/message").asText()).isEqualTo("quota exceeded");
        assertThat(sanitizer.sanitize(nullId, null, null, "x").get("id").isNull())
                .isTrue();
        assertThat(sanitizer.sanitize(noId, null, null, "x").get("id").isNull()).isTrue();
    }

    @Test
    void a_string_error_data_is_kept_cleaned_and_dropped_when_nothing_remains() throws Exception {
        JsonNode withText = JSON.readTree("""
                {"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"read failed",
                 "data":"see /var/log/tools/app.log on db.acme-corp.internal"}}""");
        JsonNode onlyFrames = JSON.readTree("""
                {"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"read failed",
                 "data":"\\tat a.B.c(B.java:1)\\n\\tat a.B.d(B.java:2)"}}""");

        assertThat(sanitizer
                        .sanitize(withText, null, null, "x")
                        .at("/error/data")
                        .asText())
                .isEqualTo("see [path] on [REDACTED:internal-hostname]");
        assertThat(sanitizer.sanitize(onlyFrames, null, null, "x").at("/error").has("data"))
                .isFalse();
    }

    @Test
    void an_sdk_exception_without_its_json_rpc_error_keeps_its_own_message_as_internal_error() throws Exception {
        JsonNode body = JSON.readTree("""
                {"localizedMessage":"Tool timed out","message":"Tool timed out","cause":null}""");

        ObjectNode clean = sanitizer.sanitize(body, null, null, "MCP server error");

        assertThat(clean.at("/error/code").asInt()).isEqualTo(-32603);
        assertThat(clean.at("/error/message").asText()).isEqualTo("Tool timed out");
    }

    @Test
    void other_json_gives_its_message_else_the_raw_text_else_the_fallback() throws Exception {
        JsonNode stringError = JSON.readTree("""
                {"error":"Bad Gateway","message":"upstream timed out after 30 s"}""");
        JsonNode status = JSON.readTree("{\"status\":500}");

        assertThat(sanitizer
                        .sanitize(stringError, null, null, "x")
                        .at("/error/message")
                        .asText())
                .as("an error that is not an object is no JSON-RPC error")
                .isEqualTo("upstream timed out after 30 s");
        assertThat(sanitizer
                        .sanitize(status, "Internal Server Error", null, "x")
                        .at("/error/message")
                        .asText())
                .isEqualTo("Internal Server Error");
        assertThat(sanitizer
                        .sanitize(status, null, null, "MCP server error (HTTP 500)")
                        .at("/error/message")
                        .asText())
                .isEqualTo("MCP server error (HTTP 500)");
    }

    @Test
    void a_long_message_is_cut_to_300_characters() {
        String clean = sanitizer.cleanText("a".repeat(299) + "bc" + "d".repeat(100));

        assertThat(clean).isEqualTo("a".repeat(299) + "b…");
        assertThat(sanitizer.cleanText("a".repeat(300))).isEqualTo("a".repeat(300));
    }
}
