package io.mcpguard.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.mask.UpstreamErrorSanitizer;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * How the relay reads what it holds: an answer it cannot read (a content encoding, another charset) is named so it is
 * refused; a JSON answer is inspected and sent as the server wrote it when nothing changed; what is no JSON-RPC
 * message is masked with every class; an error body becomes a clean JSON-RPC error.
 */
class AnswerReadingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TextMasker TEXTS =
            new TextMasker(SensitiveDataScanner.withDefaults(List.of("internal")), new byte[32]);
    private static final AnswerInspection INSPECTION =
            new AnswerInspection(new JsonMasker(TEXTS), new UpstreamErrorSanitizer(TEXTS), MaskRules.redactAll());
    private static final String KEY = "AKIAZ7QWERTY12345678";

    private static final RelayListener QUIET = new RelayListener() {
        @Override
        public void failedBeforeResponse(ErrorCode code, String message) {}

        @Override
        public void completed() {}
    };

    private static AnswerReading reading(AnswerPlan plan) {
        return new AnswerReading(INSPECTION.forAnswer(plan, new DeclaredTools(10), QUIET));
    }

    /** A POST whose request 1 asked for secrets to be masked. */
    private static AnswerReading post() {
        return reading(new AnswerPlan(Map.of(), Map.of("1", List.of("secret")), "acme", Set.of("1")));
    }

    private static HttpResponse head(String name, String value) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        if (name != null) {
            head.headers().set(name, value);
        }
        return head;
    }

    @Test
    void an_answer_in_utf8_without_an_encoding_can_be_inspected() {
        assertThat(AnswerReading.uninspectableEncoding(head(null, null))).isNull();
        assertThat(AnswerReading.uninspectableEncoding(head("Content-Encoding", "identity")))
                .isNull();
        assertThat(AnswerReading.uninspectableEncoding(head("Content-Encoding", "IDENTITY")))
                .isNull();
        for (String type : List.of(
                "application/json",
                "application/json; charset=utf-8",
                "text/event-stream;charset=\"UTF-8\"",
                "application/json; charset=utf8",
                "application/json; q; CHARSET = utf-8")) {
            assertThat(AnswerReading.uninspectableEncoding(head("Content-Type", type)))
                    .as(type)
                    .isNull();
        }
    }

    @Test
    void a_compressed_answer_or_one_in_another_charset_cannot_be_inspected() {
        assertThat(AnswerReading.uninspectableEncoding(head("Content-Encoding", "gzip")))
                .contains("content-encoded");
        assertThat(AnswerReading.uninspectableEncoding(head("Content-Type", "application/json; charset=iso-8859-1")))
                .contains("charset");
        assertThat(AnswerReading.uninspectableEncoding(head("Content-Type", "text/event-stream; charset=utf-16")))
                .contains("charset");
    }

    @Test
    void an_answer_that_needs_no_change_is_sent_as_the_server_wrote_it() {
        byte[] sent =
                "{ \"jsonrpc\" : \"2.0\", \"id\" : 1, \"result\" : {\"t\":\"fine\"} }".getBytes(StandardCharsets.UTF_8);

        assertThat(post().inspectBody(sent)).isSameAs(sent);
    }

    @Test
    void an_answer_with_something_to_mask_is_rewritten() throws Exception {
        byte[] sent =
                ("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + "\"}}").getBytes(StandardCharsets.UTF_8);

        JsonNode out = JSON.readTree(post().inspectBody(sent));

        assertThat(out.at("/result/t").asText()).isEqualTo("[REDACTED:aws-access-key]");
    }

    @Test
    void an_answer_that_is_no_json_rpc_message_is_masked_as_text_with_every_class() {
        byte[] text = ("key " + KEY).getBytes(StandardCharsets.UTF_8);
        byte[] number = "7".getBytes(StandardCharsets.UTF_8);

        assertThat(new String(post().inspectBody(text), StandardCharsets.UTF_8))
                .isEqualTo("key [REDACTED:aws-access-key]");
        assertThat(post().inspectBody(number)).as("nothing to mask: as sent").isSameAs(number);
    }

    @Test
    void a_stream_plan_with_nothing_to_do_leaves_an_answer_unparsed_unless_it_carries_an_error() {
        AnswerReading idle = reading(
                new AnswerPlan(Map.of(), Map.of(), null, List.of(), null, Set.of(), null, Map.of(), Map.of(), null));
        byte[] plain =
                ("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + "\"}}").getBytes(StandardCharsets.UTF_8);
        byte[] error =
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,\"message\":\"java.io.IOException: disk /var/lib/x full\"}}"
                        .getBytes(StandardCharsets.UTF_8);
        byte[] toolError =
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"isError\":true,\"content\":[{\"type\":\"text\",\"text\":\"at com.acme.A.b(A.java:1) failed in /var/lib/x\"}]}}"
                        .getBytes(StandardCharsets.UTF_8);

        assertThat(idle.inspectBody(plain)).isSameAs(plain);
        assertThat(new String(idle.inspectBody(error), StandardCharsets.UTF_8))
                .doesNotContain("/var/lib/x", "IOException");
        assertThat(new String(idle.inspectBody(toolError), StandardCharsets.UTF_8))
                .doesNotContain("/var/lib/x");
    }

    @Test
    void an_error_body_becomes_a_clean_json_rpc_error_and_an_empty_one_stays_empty() throws Exception {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY);
        head.headers().set("Content-Type", "text/html");
        byte[] empty = new byte[0];

        assertThat(post().errorAnswer(head, empty)).isSameAs(empty);
        assertThat(head.headers().get("Content-Type"))
                .as("an empty body keeps its head")
                .isEqualTo("text/html");

        JsonNode clean = JSON.readTree(post().errorAnswer(
                        head,
                        ("<h1>502</h1><pre>java.net.ConnectException: db.internal:5432 key " + KEY + "</pre>")
                                .getBytes(StandardCharsets.UTF_8)));
        assertThat(head.headers().get("Content-Type")).isEqualTo("application/json");
        assertThat(clean.at("/error/code").isInt()).isTrue();
        assertThat(clean.toString()).doesNotContain(KEY, "ConnectException");

        JsonNode fromJson = JSON.readTree(post().errorAnswer(
                        head,
                        "{\"error\":{\"code\":-32001,\"message\":\"no such session\"}}"
                                .getBytes(StandardCharsets.UTF_8)));
        assertThat(fromJson.at("/error/code").asInt()).isEqualTo(-32001);
    }

    @Test
    void an_event_is_inspected_as_a_message_only_when_it_is_one() throws Exception {
        // A fresh exchange for each event: one exchange answers its request once (a second answer is withheld).

        assertThat(post().inspectEventData("message", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"fine\"}}"))
                .as("nothing changed: the event goes as it came")
                .isNull();
        assertThat(JSON.readTree(post().inspectEventData(
                                        "message", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + "\"}}"))
                        .at("/result/t")
                        .asText())
                .isEqualTo("[REDACTED:aws-access-key]");
        assertThat(post().inspectEventData("message", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"" + KEY + "\"}]"))
                .contains("[REDACTED:aws-access-key]");
        assertThat(post().inspectEventData("message", "not json " + KEY))
                .isEqualTo("not json [REDACTED:aws-access-key]");
        assertThat(post().inspectEventData("message", "\"" + KEY + "\"")).isEqualTo("\"[REDACTED:aws-access-key]\"");
        assertThat(post().inspectEventData("endpoint", "{\"t\":\"" + KEY + "\"}"))
                .as("another event type: text masked with every class, never parsed as a message")
                .isEqualTo("{\"t\":\"[REDACTED:aws-access-key]\"}");
        assertThat(post().inspectEventData("endpoint", "/mcp?session=1")).isNull();
    }

    @Test
    void a_message_event_is_masked_by_its_decision_and_one_that_need_not_be_parsed_by_every_class() throws Exception {
        String email = "jordan.lee@acme-corp.example";
        // Request 1 asked for secrets only: the email is the caller's to see, as in a JSON answer.
        assertThat(JSON.readTree(post().inspectEventData(
                                        "message",
                                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + KEY + " " + email
                                                + "\"}}"))
                        .at("/result/t")
                        .asText())
                .isEqualTo("[REDACTED:aws-access-key] " + email);
        // No decision, list, mask or record: the message is not parsed, but nothing ties it to a decision either.
        AnswerReading unparsed = reading(
                new AnswerPlan(Map.of(), Map.of(), "acme", List.of(), null, Set.of(), null, Map.of(), Map.of(), null));
        assertThat(unparsed.inspectEventData("message", "{\"t\":\"" + email + "\"}"))
                .isEqualTo("{\"t\":\"[REDACTED:email]\"}");
    }

    @Test
    void only_text_media_types_are_read_as_text_inside_a_blob() {
        for (String textual : List.of(
                "text/plain",
                "TEXT/CSV",
                "application/ld+json",
                "image/svg+xml",
                "application/x.custom+yaml",
                "application/json; charset=utf-8",
                " application/x-yaml ",
                "application/x-properties")) {
            assertThat(TextualBlobs.isTextual(textual)).as(textual).isTrue();
        }
        for (String binary :
                List.of("image/png", "application/pdf", "application/zip", "audio/wav", "application/jsonx")) {
            assertThat(TextualBlobs.isTextual(binary)).as(binary).isFalse();
        }
    }
}
