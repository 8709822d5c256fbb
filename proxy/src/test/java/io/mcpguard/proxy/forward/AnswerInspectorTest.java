package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.exchange.ServerAnswer;
import io.mcpguard.proxy.mask.DataClass;
import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.mask.UpstreamErrorSanitizer;
import io.mcpguard.proxy.policy.DeclaredTools;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnswerInspectorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TextMasker TEXTS =
            new TextMasker(SensitiveDataScanner.withDefaults(List.of("internal")), new byte[32]);
    private static final AnswerInspection INSPECTION =
            new AnswerInspection(new JsonMasker(TEXTS), new UpstreamErrorSanitizer(TEXTS), MaskRules.redactAll());
    private static final String KEY = "AKIAZ7QWERTY12345678";
    private static final String EMAIL = "jordan.lee@acme-corp.example";

    /** The plan of a POSTed body whose requests had these ids: those with a mask, and "9", decided without one. */
    private static AnswerInspector inspector(Map<String, List<String>> masks) {
        return inspector(masks, new RecordingListener());
    }

    private static AnswerInspector inspector(Map<String, List<String>> masks, RecordingListener listener) {
        java.util.Set<String> decided = new java.util.HashSet<>(masks.keySet());
        decided.addAll(List.of("9", "1", "\"2\"", "3"));
        return INSPECTION.forAnswer(new AnswerPlan(Map.of(), masks, "acme", decided), new DeclaredTools(10), listener);
    }

    @Test
    void each_response_of_a_batch_is_masked_by_the_decision_for_its_own_request() throws Exception {
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret"), "2", List.of("personal_data")));
        JsonNode batch = JSON.readTree("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + " " + EMAIL
                + "\"}},{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"t\":\"" + KEY + " " + EMAIL + "\"}}]");

        assertThat(inspector.inspect(batch)).isTrue();

        assertThat(batch.at("/0/result/t").asText()).isEqualTo("[REDACTED:aws-access-key] " + EMAIL);
        assertThat(batch.at("/1/result/t").asText()).isEqualTo(KEY + " [REDACTED:email]");
        assertThat(inspector.counts().byClass())
                .containsEntry(DataClass.SECRETS, 1)
                .containsEntry(DataClass.PERSONAL_DATA, 1);
    }

    @Test
    void a_server_request_in_the_stream_is_masked_with_every_mask_of_the_exchange() throws Exception {
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret"), "2", List.of("personal_data")));
        JsonNode sampling = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"sampling/createMessage\","
                + "\"params\":{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"" + KEY
                + " " + EMAIL + "\"}}],\"maxTokens\":100}}");

        assertThat(inspector.inspect(sampling)).isTrue();

        assertThat(sampling.at("/params/messages/0/content/text").asText())
                .isEqualTo("[REDACTED:aws-access-key] [REDACTED:email]");
        assertThat(sampling.at("/params/maxTokens").isInt()).isTrue();
    }

    @Test
    void a_result_that_is_a_bare_string_is_masked_too() throws Exception {
        // Found by JsonMaskerFuzzTest: JSON-RPC allows any value as a result, and a bare string has no container
        // the masker could rewrite it in, so it passed unmasked.
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret")));
        JsonNode answer = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"key " + KEY + "\"}");

        assertThat(inspector.inspect(answer)).isTrue();

        assertThat(answer.get("result").asText()).isEqualTo("key [REDACTED:aws-access-key]");
    }

    @Test
    void bare_values_in_a_batch_and_in_a_server_request_are_masked_too_and_a_stray_value_too() throws Exception {
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret"), "2", List.of("secret")));
        JsonNode batch = JSON.readTree("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"" + KEY + "\"},"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":[\"" + KEY + "\",7]},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":\"" + KEY + "\"},"
                + "\"stray " + KEY + "\"]");

        assertThat(inspector.inspect(batch)).isTrue();

        assertThat(batch.at("/0/result").asText()).isEqualTo("[REDACTED:aws-access-key]");
        assertThat(batch.at("/1/result/0").asText()).isEqualTo("[REDACTED:aws-access-key]");
        assertThat(batch.at("/1/result/1").intValue()).isEqualTo(7);
        assertThat(batch.at("/2/params").asText()).isEqualTo("[REDACTED:aws-access-key]");
        assertThat(batch.at("/3").asText()).isEqualTo("stray [REDACTED:aws-access-key]");
    }

    @Test
    void an_error_that_is_a_bare_string_becomes_a_clean_error() throws Exception {
        AnswerInspector inspector = inspector(Map.of());
        JsonNode answer = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":\"java.lang.IllegalStateException:"
                + " no route to db.internal\\n\\tat com.acme.Repo.find(Repo.java:42)\"}");

        assertThat(inspector.inspect(answer)).isTrue();

        assertThat(answer.at("/error/code").asInt()).isEqualTo(-32603);
        assertThat(answer.at("/error/message").asText()).isEqualTo("MCP server error");
        assertThat(answer.toString()).doesNotContain("db.internal", "Repo.java", "IllegalStateException");
    }

    @Test
    void an_answer_to_a_request_without_a_mask_is_left_alone_unless_it_is_an_error() throws Exception {
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret")));
        JsonNode other = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"t\":\"" + KEY + "\"}}");
        JsonNode error = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32603,"
                + "\"message\":\"java.io.IOException: disk /var/lib/core full\"}}");

        assertThat(inspector.inspect(other)).isFalse();
        assertThat(inspector.inspect(error)).isTrue();

        assertThat(error.at("/error/message").asText()).isEqualTo("disk [path] full");
        assertThat(error.get("id").asInt()).isEqualTo(3);
    }

    @Test
    void the_text_of_a_tool_error_result_loses_its_stack_trace() throws Exception {
        AnswerInspector inspector = inspector(Map.of());
        JsonNode result = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"isError\":true,\"content\":"
                + "[{\"type\":\"text\",\"text\":\"java.lang.IllegalStateException: no such repo\\n\\tat "
                + "io.x.Y.z(Y.java:3)\"}]}}");

        assertThat(inspector.mayRewrite(result.toString())).isTrue();
        assertThat(inspector.inspect(result)).isTrue();

        assertThat(result.at("/result/content/0/text").asText()).isEqualTo("no such repo");
    }

    @Test
    void the_server_s_error_codes_and_tool_failures_are_reported_per_request_and_plain_successes_are_not()
            throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerInspector inspector = inspector(Map.of(), listener);

        inspector.inspect(JSON.readTree("[{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,"
                + "\"message\":\"bad\"}},{\"jsonrpc\":\"2.0\",\"id\":\"2\",\"result\":{\"isError\":true,"
                + "\"content\":[{\"type\":\"text\",\"text\":\"Bitbucket answered 404\"}]}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"isError\":false,\"content\":[]}}]"));

        assertThat(listener.answers)
                .containsExactly(
                        new ServerAnswer("1", -32602, false, null), new ServerAnswer("\"2\"", null, true, null));
    }

    @Test
    void a_recorded_answer_is_copied_with_every_class_masked_whatever_the_caller_may_see() throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerInspection recording = new AnswerInspection(
                INSPECTION.masker(),
                INSPECTION.errors(),
                INSPECTION.rules(),
                new io.mcpguard.proxy.mask.MaskedSnapshots(INSPECTION.masker(), INSPECTION.rules(), 4096));
        AnswerPlan plan = new AnswerPlan(Map.of(), Map.of("7", List.of("secret")), "acme", java.util.Set.of("7"))
                .recording(java.util.Set.of("7"));
        AnswerInspector inspector = recording.forAnswer(plan, new DeclaredTools(10), listener);
        JsonNode answer = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":"
                + "\"text\",\"text\":\"" + KEY + " " + EMAIL + "\"}]}}");

        inspector.inspect(answer);

        assertThat(answer.at("/result/content/0/text").asText())
                .as("the caller may see personal data")
                .isEqualTo("[REDACTED:aws-access-key] " + EMAIL);
        assertThat(listener.answers).singleElement().satisfies(recorded -> {
            assertThat(recorded.idKey()).isEqualTo("7");
            assertThat(recorded.recorded())
                    .contains("[REDACTED:aws-access-key] [REDACTED:email]")
                    .doesNotContain(KEY)
                    .doesNotContain(EMAIL);
        });
    }

    @Test
    void an_answer_whose_id_no_request_carried_is_masked_with_every_class_and_reported() throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret")), listener);
        // A lone surrogate the server wrote back as U+FFFD, or a JavaScript server's rounded number: no decision.
        JsonNode echoedDifferently = JSON.readTree(
                "{\"jsonrpc\":\"2.0\",\"id\":\"\uFFFD\",\"result\":{\"t\":\"" + KEY + " " + EMAIL + " db.internal\"}}");

        assertThat(inspector.mayRewrite(echoedDifferently.toString())).isTrue();
        assertThat(inspector.inspect(echoedDifferently)).isTrue();

        assertThat(echoedDifferently.at("/result/t").asText())
                .isEqualTo("[REDACTED:aws-access-key] [REDACTED:email] [REDACTED:internal-hostname]");
        assertThat(listener.unmatched).isEqualTo(1);
    }

    @Test
    void a_second_answer_to_one_request_is_withheld_and_reported() throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret")), listener);
        JsonNode first = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + "\"}}");
        JsonNode again = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + EMAIL + "\"}}");

        inspector.inspect(first);
        assertThat(listener.unmatched).isZero();
        assertThat(inspector.inspect(again)).isTrue();

        assertThat(again.has("result")).isFalse();
        assertThat(again.at("/error/code").asInt()).isEqualTo(-32012);
        assertThat(again.toString()).doesNotContain(EMAIL);
        assertThat(listener.unmatched).isEqualTo(1);
    }

    @Test
    void a_second_tools_list_answer_is_not_passed_in_full() throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerPlan plan =
                new AnswerPlan(Map.of("5", java.util.Set.of("get_file")), Map.of(), "acme", java.util.Set.of("5"));
        AnswerInspector inspector = INSPECTION.forAnswer(plan, new DeclaredTools(10), listener);
        String list = "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"tools\":["
                + "{\"name\":\"get_file\",\"inputSchema\":{\"type\":\"object\"}},"
                + "{\"name\":\"delete_repository\",\"inputSchema\":{\"type\":\"object\"}}]}}";
        JsonNode first = JSON.readTree(list);
        JsonNode again = JSON.readTree(list);

        inspector.inspect(first);
        inspector.inspect(again);

        assertThat(first.toString()).contains("get_file").doesNotContain("delete_repository");
        assertThat(again.toString()).doesNotContain("delete_repository").doesNotContain("get_file");
        assertThat(listener.unmatched).isEqualTo(1);
    }

    @Test
    void a_stream_no_decision_covers_masks_every_answer_without_calling_it_unmatched() throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerInspector inspector =
                INSPECTION.forAnswer(AnswerPlan.forStream(null, "acme"), new DeclaredTools(10), listener);
        JsonNode replayed = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"t\":\"" + EMAIL + "\"}}");

        inspector.inspect(replayed);

        assertThat(replayed.at("/result/t").asText()).isEqualTo("[REDACTED:email]");
        assertThat(listener.unmatched).isZero();
    }

    @Test
    void a_textual_blob_is_decoded_masked_and_encoded_again_and_a_binary_one_left_alone() throws Exception {
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret")));
        String yaml = java.util.Base64.getEncoder()
                .encodeToString(("aws_access_key_id: " + KEY + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String png = java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        JsonNode answer = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"contents\":["
                + "{\"uri\":\"file:///prod.yml\",\"mimeType\":\"application/yaml\",\"blob\":\"" + yaml + "\"},"
                + "{\"uri\":\"file:///logo.png\",\"mimeType\":\"image/png\",\"blob\":\"" + png + "\"}]}}");

        assertThat(inspector.inspect(answer)).isTrue();

        String decoded = new String(
                java.util.Base64.getDecoder()
                        .decode(answer.at("/result/contents/0/blob").asText()),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(decoded).isEqualTo("aws_access_key_id: [REDACTED:aws-access-key]\n");
        assertThat(answer.at("/result/contents/1/blob").asText()).isEqualTo(png);
        assertThat(TextualBlobs.isTextual("text/x-java; charset=utf-8")).isTrue();
        assertThat(TextualBlobs.isTextual("application/vnd.api+json")).isTrue();
        assertThat(TextualBlobs.isTextual("application/octet-stream")).isFalse();
    }

    @Test
    void a_blob_that_is_no_utf8_is_masked_as_latin1_and_one_that_is_no_base64_is_left_to_the_text_masker()
            throws Exception {
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret")));
        // 0xE9 alone is no valid UTF-8: the bytes are read one char each and written back the same.
        byte[] latin1 =
                ("caf\u00e9 aws_access_key_id: " + KEY + "\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        String blob = java.util.Base64.getEncoder().encodeToString(latin1);
        JsonNode answer = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"contents\":["
                + "{\"uri\":\"file:///a.txt\",\"mimeType\":\"text/plain\",\"blob\":\"" + blob + "\"},"
                + "{\"uri\":\"file:///b.txt\",\"mimeType\":\"text/plain\",\"blob\":\"not base64 at all!\"}]}}");

        assertThat(inspector.inspect(answer)).isTrue();

        assertThat(new String(
                        java.util.Base64.getDecoder()
                                .decode(answer.at("/result/contents/0/blob").asText()),
                        java.nio.charset.StandardCharsets.ISO_8859_1))
                .isEqualTo("caf\u00e9 aws_access_key_id: [REDACTED:aws-access-key]\n");
        assertThat(answer.at("/result/contents/1/blob").asText()).isEqualTo("not base64 at all!");
    }

    @Test
    void text_that_is_no_json_rpc_message_is_masked_with_every_class() {
        AnswerInspector inspector = inspector(Map.of());

        assertThat(inspector.maskUndecidedText("key " + KEY)).isEqualTo("key [REDACTED:aws-access-key]");
        assertThat(inspector.maskUndecidedText("nothing here")).isNull();
    }

    @Test
    void a_multi_round_trip_state_is_sealed_as_the_server_sent_it_and_no_other_state_is() throws Exception {
        AnswerPlan plan = new AnswerPlan(
                        Map.of(), Map.of("1", List.of("secret")), "acme", java.util.Set.of("1", "2", "3", "4"))
                .sealingStates(state -> "sealed(" + state + ")");
        AnswerInspector inspector = INSPECTION.forAnswer(plan, new DeclaredTools(10), new RecordingListener());
        JsonNode asking = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"resultType\":\"input_required\","
                + "\"requestState\":\"s " + KEY + "\",\"t\":\"" + KEY + "\"}}");
        JsonNode complete = JSON.readTree(
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"resultType\":\"complete\",\"requestState\":\"s2\"}}");
        JsonNode notText = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"resultType\":\"input_required\","
                + "\"requestState\":{\"n\":1}}}");
        JsonNode error = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32602,\"message\":\"no\"}}");

        assertThat(inspector.inspect(asking)).isTrue();
        assertThat(inspector.inspect(complete)).isFalse();
        assertThat(inspector.inspect(notText)).isFalse();
        inspector.inspect(error);

        // The server reads its state back on the retry exactly as it wrote it: sealed whole, never masked.
        assertThat(asking.at("/result/requestState").asText()).isEqualTo("sealed(s " + KEY + ")");
        assertThat(asking.at("/result/t").asText()).isEqualTo("[REDACTED:aws-access-key]");
        assertThat(complete.at("/result/requestState").asText()).isEqualTo("s2");
        assertThat(notText.at("/result/requestState/n").asInt()).isEqualTo(1);
        assertThat(error.has("result")).isFalse();
    }

    @Test
    void a_bridged_answer_gets_the_modern_shape_and_nothing_else_does() throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerPlan plan = new AnswerPlan(Map.of(), Map.of(), "acme", java.util.Set.of("1", "2", "3"))
                .bridging(Map.of("1", "tools/list", "3", "tools/call"));
        AnswerInspector inspector = INSPECTION.forAnswer(plan, new DeclaredTools(10), listener);
        JsonNode bridged = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}");
        JsonNode notBridged = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[]}}");
        JsonNode bridgedError =
                JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32602,\"message\":\"no\"}}");
        JsonNode progress = JSON.readTree(
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}");
        JsonNode noId = JSON.readTree("{\"jsonrpc\":\"2.0\",\"result\":{\"tools\":[]}}");

        assertThat(inspector.inspect(bridged)).isTrue();
        assertThat(inspector.inspect(notBridged)).isFalse();
        inspector.inspect(bridgedError);
        assertThat(inspector.inspect(progress)).isFalse();
        inspector.inspect(noId);

        assertThat(bridged.get("result").toString())
                .isEqualTo("{\"tools\":[],\"resultType\":\"complete\",\"ttlMs\":0,\"cacheScope\":\"private\"}");
        assertThat(notBridged.get("result").toString()).isEqualTo("{\"tools\":[]}");
        assertThat(bridgedError.has("result")).isFalse();
        assertThat(progress.toString()).doesNotContain("resultType");
        assertThat(noId.get("result").has("resultType")).isFalse();
    }

    @Test
    void an_exchange_without_lists_masks_records_or_decisions_reads_only_what_may_carry_an_error() {
        AnswerPlan bare = new AnswerPlan(
                Map.of(), Map.of(), "acme", List.of(), null, java.util.Set.of(), null, Map.of(), Map.of(), null);
        AnswerInspector inspector = INSPECTION.forAnswer(bare, new DeclaredTools(10), new RecordingListener());
        AnswerInspector recording = INSPECTION.forAnswer(
                bare.recording(java.util.Set.of("1")), new DeclaredTools(10), new RecordingListener());
        AnswerInspector streamListing = INSPECTION.forAnswer(
                AnswerPlan.forStream(java.util.Set.of("get_file"), "acme"),
                new DeclaredTools(10),
                new RecordingListener());
        AnswerInspector streamMasking = INSPECTION.forAnswer(
                AnswerPlan.forStream(null, "acme"), new DeclaredTools(10), new RecordingListener());
        String plain = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"ok\"}}";

        assertThat(inspector.mayRewrite(plain)).isFalse();
        assertThat(inspector.mayRewrite("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{}}"))
                .isTrue();
        assertThat(inspector.mayRewrite("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"isError\":true}}"))
                .isTrue();
        assertThat(recording.mayRewrite(plain))
                .as("a recorded answer is copied")
                .isTrue();
        assertThat(streamListing.mayRewrite(plain))
                .as("a list on the stream is cut")
                .isTrue();
        assertThat(streamMasking.mayRewrite(plain)).as("the stream is masked").isTrue();
    }

    @Test
    void every_tools_list_on_a_server_stream_is_cut_not_only_the_first() throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerInspector inspector = INSPECTION.forAnswer(
                AnswerPlan.forStream(java.util.Set.of("get_file"), "acme"), new DeclaredTools(10), listener);
        String list = "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{\"tools\":["
                + "{\"name\":\"get_file\",\"inputSchema\":{\"type\":\"object\"}},"
                + "{\"name\":\"delete_repository\",\"inputSchema\":{\"type\":\"object\"}}]}}";
        JsonNode first = JSON.readTree(String.format(list, 4));
        JsonNode second = JSON.readTree(String.format(list, 5));
        JsonNode allVisible = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{\"tools\":["
                + "{\"name\":\"get_file\",\"inputSchema\":{\"type\":\"object\"}}]}}");
        JsonNode noList = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"t\":\"ok\"}}");

        assertThat(inspector.inspect(first)).isTrue();
        assertThat(inspector.inspect(second)).isTrue();
        assertThat(inspector.inspect(allVisible)).isTrue();
        assertThat(inspector.inspect(noList)).isFalse();

        assertThat(first.toString()).contains("get_file").doesNotContain("delete_repository");
        assertThat(second.toString()).contains("get_file").doesNotContain("delete_repository");
        assertThat(allVisible.toString()).contains("get_file");
        assertThat(listener.hidden)
                .as("one tool hidden in each of two lists, none in the third")
                .containsExactly(1, 1);
    }

    @Test
    void what_a_listen_stream_carries_is_masked_with_every_class_whatever_its_request_asked_for() throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerPlan listen = new AnswerPlan(Map.of(), Map.of(), "acme", java.util.Set.of("1")).streamingUnasked();
        AnswerInspector inspector = INSPECTION.forAnswer(listen, new DeclaredTools(10), listener);
        JsonNode changed = JSON.readTree("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
                + "\"params\":{\"data\":\"owner " + EMAIL + "\"}}");

        assertThat(inspector.inspect(changed)).isTrue();

        assertThat(changed.at("/params/data").asText()).isEqualTo("owner [REDACTED:email]");
        assertThat(listener.unmatched).isZero();
    }

    @Test
    void a_value_that_is_no_message_is_left_as_it_is_unless_it_carries_something_to_mask() throws Exception {
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret")));

        assertThat(inspector.inspect(JSON.readTree("\"" + KEY + "\"")))
                .as("no container to rewrite in")
                .isFalse();
        assertThat(inspector.inspect(JSON.readTree("[7,true,\"fine\"]"))).isFalse();
    }

    @Test
    void a_response_without_an_id_is_masked_with_every_class_and_reported_as_unmatched() throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerInspector inspector = inspector(Map.of("1", List.of("secret")), listener);
        JsonNode noId = JSON.readTree("{\"jsonrpc\":\"2.0\",\"result\":{\"t\":\"" + EMAIL + "\",\"isError\":true}}");

        assertThat(inspector.inspect(noId)).isTrue();

        assertThat(noId.at("/result/t").asText()).isEqualTo("[REDACTED:email]");
        assertThat(listener.unmatched).isEqualTo(1);
        assertThat(listener.answers).as("no request to report it for").isEmpty();
    }

    @Test
    void a_recorded_error_is_copied_and_an_answer_that_carries_nothing_or_is_not_recorded_is_not() throws Exception {
        RecordingListener listener = new RecordingListener();
        AnswerInspection recording = new AnswerInspection(
                INSPECTION.masker(),
                INSPECTION.errors(),
                INSPECTION.rules(),
                new io.mcpguard.proxy.mask.MaskedSnapshots(INSPECTION.masker(), INSPECTION.rules(), 4096));
        AnswerPlan plan = new AnswerPlan(Map.of(), Map.of(), "acme", java.util.Set.of("7", "8", "9"))
                .recording(java.util.Set.of("7", "8"));
        AnswerInspector inspector = recording.forAnswer(plan, new DeclaredTools(10), listener);

        inspector.inspect(JSON.readTree(
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32602,\"message\":\"bad " + EMAIL + "\"}}"));
        inspector.inspect(JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":8}"));
        inspector.inspect(JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"t\":\"" + EMAIL + "\"}}"));

        assertThat(listener.answers).singleElement().satisfies(answer -> {
            assertThat(answer.idKey()).isEqualTo("7");
            assertThat(answer.errorCode()).isEqualTo(-32602);
            assertThat(answer.recorded()).contains("[REDACTED:email]").doesNotContain(EMAIL);
        });
    }

    @Test
    void a_tool_error_whose_text_is_only_a_stack_trace_says_mcp_server_error_and_other_items_stay() throws Exception {
        AnswerInspector inspector = inspector(Map.of());
        JsonNode result = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"isError\":true,\"content\":["
                + "\"a bare string\",{\"type\":\"image\",\"data\":\"AAAA\"},{\"type\":\"text\",\"text\":7},"
                + "{\"type\":\"text\",\"text\":\"\\tat io.x.Y.z(Y.java:3)\"}]}}");
        JsonNode noContent = JSON.readTree(
                "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"isError\":true,\"content\":{\"text\":\"at a.B(B.java:1)\"}}}");

        assertThat(inspector.inspect(result)).isTrue();
        assertThat(inspector.inspect(noContent)).isFalse();

        assertThat(result.at("/result/content/3/text").asText()).isEqualTo("MCP server error");
        assertThat(result.at("/result/content/0").asText()).isEqualTo("a bare string");
        assertThat(result.at("/result/content/1/data").asText()).isEqualTo("AAAA");
        assertThat(result.at("/result/content/2/text").asInt()).isEqualTo(7);
        assertThat(noContent.at("/result/content/text").asText()).isEqualTo("at a.B(B.java:1)");
    }

    @Test
    void an_http_error_answer_is_masked_as_the_exchange_says() throws Exception {
        JsonNode body = JSON.readTree("{\"error\":{\"code\":-32000,\"message\":\"no access for " + EMAIL + "\"}}");

        JsonNode masked = inspector(Map.of("1", List.of("personal_data"))).errorAnswer(body, body.toString(), 403);
        JsonNode plain = inspector(Map.of()).errorAnswer(body, body.toString(), 403);

        assertThat(masked.at("/error/message").asText()).isEqualTo("no access for [REDACTED:email]");
        assertThat(plain.at("/error/message").asText()).as("no mask asked for").isEqualTo("no access for " + EMAIL);
    }

    static final class RecordingListener implements RelayListener {
        final List<ServerAnswer> answers = new java.util.ArrayList<>();
        final List<Integer> hidden = new java.util.ArrayList<>();
        int unmatched;

        @Override
        public void hidden(int items) {
            hidden.add(items);
        }

        @Override
        public void unmatched() {
            unmatched++;
        }

        @Override
        public void failedBeforeResponse(io.mcpguard.proxy.jsonrpc.ErrorCode code, String message) {}

        @Override
        public void completed() {}

        @Override
        public void answered(ServerAnswer answer) {
            answers.add(answer);
        }
    }
}
