package io.mcpguard.proxy.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonRpcDecoderTest {
    private final JsonRpcDecoder decoder = new JsonRpcDecoder(16, 1024, 4);

    private DecodedBody decode(String json) throws JsonRpcException {
        return decoder.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String canonical(DecodedBody body) {
        return new String(body.canonicalBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void a_request_is_read_with_its_tool_and_arguments() throws Exception {
        DecodedBody body = decode("""
                {"jsonrpc":"2.0","id":"a-1","method":"tools/call",
                 "params":{"name":"get_repository","arguments":{"workspace":"acme"}}}""");

        JsonRpcMessage message = body.messages().get(0);
        assertThat(body.batch()).isFalse();
        assertThat(message.kind()).isEqualTo(JsonRpcMessage.Kind.REQUEST);
        assertThat(message.id().asText()).isEqualTo("a-1");
        assertThat(message.toolName()).isEqualTo("get_repository");
        assertThat(message.toolArguments().get("workspace").asText()).isEqualTo("acme");
    }

    @Test
    void notifications_and_responses_are_told_apart() throws Exception {
        DecodedBody notification = decode("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        DecodedBody response = decode("{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"roots\":[]}}");
        DecodedBody errorResponse =
                decode("{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-1,\"message\":\"declined\"}}");

        assertThat(notification.messages().get(0).kind()).isEqualTo(JsonRpcMessage.Kind.NOTIFICATION);
        assertThat(notification.messages().get(0).expectsResponse()).isFalse();
        assertThat(response.messages().get(0).kind()).isEqualTo(JsonRpcMessage.Kind.RESPONSE);
        assertThat(errorResponse.messages().get(0).kind()).isEqualTo(JsonRpcMessage.Kind.RESPONSE);
    }

    @Test
    void the_canonical_form_drops_whitespace_and_decodes_escapes() throws Exception {
        DecodedBody body = decode("{ \"jsonrpc\":\"2.0\" ,\"id\":1, \"method\":\"tools\\/li\\u0073t\" }");

        assertThat(body.messages().get(0).method()).isEqualTo("tools/list");
        assertThat(canonical(body)).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    }

    @Test
    void numbers_keep_their_exact_value() throws Exception {
        DecodedBody body = decode("""
                {"jsonrpc":"2.0","id":9007199254740991,"method":"x","params":{"n":123456789012345678901234567890,\
                "f":0.1000000000000000055511151231257827,"e":1.5E+300}}""");

        assertThat(canonical(body))
                .contains("\"id\":9007199254740991")
                .contains("123456789012345678901234567890")
                .contains("0.1000000000000000055511151231257827")
                .contains("1.5E+300");
    }

    @Test
    void a_batch_keeps_its_order() throws Exception {
        DecodedBody body = decode("""
                [{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"}]""");

        assertThat(body.batch()).isTrue();
        assertThat(body.messages()).extracting(JsonRpcMessage::method).containsExactly("ping", "notifications/x");
        assertThat(canonical(body)).startsWith("[{").endsWith("}]");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            duplicate key               | {"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}               | -32700 | duplicate key "id"
            duplicate nested key        | {"jsonrpc":"2.0","id":1,"method":"a","params":{"x":1,"x":2}} | -32700 | duplicate key "x"
            not JSON                    | hello                                                        | -32700 | malformed JSON
            truncated                   | {"jsonrpc":"2.0"                                            | -32700 | malformed JSON
            trailing data               | {"jsonrpc":"2.0","id":1,"method":"a"} []                     | -32700 | unexpected data after
            comment                     | {"jsonrpc":"2.0",/*c*/"id":1,"method":"a"}                   | -32700 | malformed JSON
            scalar                      | 42                                                           | -32600 | must be an object or a batch
            version missing             | {"id":1,"method":"ping"}                                     | -32600 | "jsonrpc" must be exactly "2.0"
            version as number           | {"jsonrpc":2.0,"id":1,"method":"ping"}                       | -32600 | "jsonrpc" must be exactly "2.0"
            null id                     | {"jsonrpc":"2.0","id":null,"method":"ping"}                  | -32600 | "id" must be a string of valid Unicode or an integer
            fractional id               | {"jsonrpc":"2.0","id":1.5,"method":"ping"}                   | -32600 | "id" must be a string of valid Unicode or an integer
            object id                   | {"jsonrpc":"2.0","id":{},"method":"ping"}                    | -32600 | "id" must be a string of valid Unicode or an integer
            lone surrogate id           | {"jsonrpc":"2.0","id":"\\ud800","method":"ping"}           | -32600 | "id" must be a string of valid Unicode or an integer
            reversed surrogates id      | {"jsonrpc":"2.0","id":"\\udc00\\ud800","method":"ping"}   | -32600 | "id" must be a string of valid Unicode or an integer
            id beyond 2^53              | {"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}      | -32600 | "id" must be a string of valid Unicode or an integer
            id below -2^53              | {"jsonrpc":"2.0","id":-9007199254740992,"method":"ping"}     | -32600 | "id" must be a string of valid Unicode or an integer
            repeated id in a batch      | [{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":1,"method":"b"}] | -32600 | a request id appears twice
            empty method                | {"jsonrpc":"2.0","id":1,"method":""}                         | -32600 | non-empty string
            method as number            | {"jsonrpc":"2.0","id":1,"method":7}                          | -32600 | non-empty string
            reserved method             | {"jsonrpc":"2.0","id":1,"method":"rpc.discover"}             | -32600 | reserved
            array params                | {"jsonrpc":"2.0","id":1,"method":"a","params":[1]}           | -32600 | "params" must be an object
            request with result         | {"jsonrpc":"2.0","id":1,"method":"a","result":{}}            | -32600 | must not carry
            unknown member              | {"jsonrpc":"2.0","id":1,"method":"a","extra":1}              | -32600 | unknown member "extra"
            neither method nor id       | {"jsonrpc":"2.0","result":{}}                                | -32600 | needs "method"
            result and error            | {"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}} | -32600 | exactly one of
            bad error object            | {"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}}  | -32600 | integer "code"
            tool name missing           | {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}   | -32602 | params.name
            tool arguments not object   | {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":"x"}} | -32602 | must be an object
            empty batch                 | []                                                           | -32600 | empty batch
            batch too large             | [{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"a"}] | -32600 | exceeds the limit of 4
            batch with a scalar         | [{"jsonrpc":"2.0","method":"a"},1]                           | -32600 | batch element 1 is not an object
            batch with an invalid one   | [{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"1.0","method":"a"}] | -32600 | batch element 1
            request with error          | {"jsonrpc":"2.0","id":1,"method":"a","error":{}}             | -32600 | must not carry
            tools/call without params   | {"jsonrpc":"2.0","id":1,"method":"tools/call"}               | -32602 | params.name
            tool name as number         | {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}} | -32602 | params.name
            tool name empty             | {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":""}} | -32602 | params.name
            response with params        | {"jsonrpc":"2.0","id":1,"result":{},"params":{}}             | -32600 | must not carry "params"
            error not an object         | {"jsonrpc":"2.0","id":1,"error":"failed"}                    | -32600 | integer "code"
            error without code          | {"jsonrpc":"2.0","id":1,"error":{"message":"m"}}             | -32600 | integer "code"
            error code fractional       | {"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}}  | -32600 | integer "code"
            error code beyond int       | {"jsonrpc":"2.0","id":1,"error":{"code":4294967296,"message":"m"}} | -32600 | integer "code"
            error without message       | {"jsonrpc":"2.0","id":1,"error":{"code":1}}                  | -32600 | string "message"
            error message as number     | {"jsonrpc":"2.0","id":1,"error":{"code":1,"message":2}}      | -32600 | string "message"
            id beyond a long            | {"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"} | -32600 | "id" must be a string of valid Unicode or an integer
            id boolean                  | {"jsonrpc":"2.0","id":true,"method":"ping"}                  | -32600 | "id" must be a string of valid Unicode or an integer
            high surrogate at the end   | {"jsonrpc":"2.0","id":"x\\ud83d","method":"ping"}          | -32600 | "id" must be a string of valid Unicode or an integer
            high surrogate then a letter | {"jsonrpc":"2.0","id":"\\ud83dx","method":"ping"}         | -32600 | "id" must be a string of valid Unicode or an integer
            version 2.1                 | {"jsonrpc":"2.1","id":1,"method":"ping"}                     | -32600 | "jsonrpc" must be exactly "2.0"
            first batch element invalid | [{"jsonrpc":"2.0","id":1},{"jsonrpc":"2.0","method":"a"}]    | -32600 | batch element 0: a response carries exactly one of
            exponent beyond BigDecimal  | {"jsonrpc":"2.0","id":1,"method":"a","params":{"n":0.5e901234567890}} | -32600 | a number in the message is out of range
            too long a number           | {"jsonrpc":"2.0","id":1,"method":"a","params":{"n":100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000}}     | -32600 | a number in the message is longer than 1000 digits
            too deep                    | {"jsonrpc":"2.0","id":1,"method":"a","params":{"a":[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}} | -32600 | deeper than 16
            """)
    void a_bad_message_is_refused_with_its_code(String what, String json, int code, String message) {
        assertThatThrownBy(() -> decode(json)).as(what).isInstanceOfSatisfying(JsonRpcException.class, e -> {
            assertThat(e.errorCode().code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void a_long_string_is_refused() {
        String json = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\",\"params\":{\"s\":\"" + "x".repeat(2000) + "\"}}";

        assertThatThrownBy(() -> decode(json))
                .isInstanceOfSatisfying(
                        JsonRpcException.class,
                        e -> assertThat(e.getMessage()).contains("longer than 1024 characters"));
    }

    @Test
    void the_refusal_names_the_id_when_it_could_be_read() {
        assertThatThrownBy(() -> decode("{\"jsonrpc\":\"1.0\",\"id\":\"r-9\",\"method\":\"a\"}"))
                .isInstanceOfSatisfying(
                        JsonRpcException.class, e -> assertThat(e.id().asText()).isEqualTo("r-9"));
    }

    @Test
    void a_parse_error_never_echoes_the_input() {
        assertThatThrownBy(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":AKIAIOSFODNN7EXAMPLE}"))
                .isInstanceOfSatisfying(
                        JsonRpcException.class, e -> assertThat(e.getMessage()).doesNotContain("AKIA"));
    }

    @Test
    void invalid_utf8_is_refused() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        assertThatThrownBy(() -> decoder.decode(body))
                .isInstanceOfSatisfying(
                        JsonRpcException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.PARSE_ERROR));
    }

    @Test
    void batches_can_be_switched_off() {
        JsonRpcDecoder noBatches = new JsonRpcDecoder(16, 1024, 0);

        assertThatThrownBy(() ->
                        noBatches.decode("[{\"jsonrpc\":\"2.0\",\"method\":\"a\"}]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        JsonRpcException.class, e -> assertThat(e.getMessage()).contains("not accepted"));
    }

    @Test
    void an_empty_or_blank_body_is_a_parse_error() {
        for (String body : new String[] {"", "   \n"}) {
            assertThatThrownBy(() -> decode(body))
                    .as("'%s'", body)
                    .isInstanceOfSatisfying(JsonRpcException.class, e -> {
                        assertThat(e.errorCode()).isEqualTo(ErrorCode.PARSE_ERROR);
                        assertThat(e.getMessage()).isEqualTo("empty body: expected a JSON-RPC message");
                    });
        }
    }

    @Test
    void a_parse_error_names_where_it_happened_in_our_words() {
        assertThatThrownBy(() -> decode("{\"jsonrpc\":\"2.0\",\n\"id\":1,\"method\":x}"))
                .isInstanceOfSatisfying(JsonRpcException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("malformed JSON at line 2, column 17");
                    assertThat(e.recordedReason()).isEqualTo(e.getMessage());
                });
        assertThatThrownBy(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":1} 7"))
                .isInstanceOfSatisfying(
                        JsonRpcException.class,
                        e -> assertThat(e.getMessage())
                                .startsWith("unexpected data after the JSON-RPC message at line 1"));
    }

    @Test
    void a_duplicate_key_is_named_to_the_client_but_not_recorded() {
        assertThatThrownBy(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\",\"method\":\"b\"}"))
                .isInstanceOfSatisfying(JsonRpcException.class, e -> {
                    assertThat(e.getMessage()).startsWith("duplicate key \"method\" at line 1, column ");
                    assertThat(e.recordedReason())
                            .startsWith("duplicate key at line 1")
                            .doesNotContain("method");
                });
    }

    @Test
    void invalid_utf8_is_named_as_such() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        assertThatThrownBy(() -> decoder.decode(body))
                .isInstanceOfSatisfying(
                        JsonRpcException.class,
                        e -> assertThat(e.getMessage()).startsWith("body is not valid UTF-8 at line 1"));
    }

    @Test
    void a_batch_at_its_limit_is_accepted() throws Exception {
        DecodedBody body = decode(
                "[" + "{\"jsonrpc\":\"2.0\",\"method\":\"a\"},".repeat(3) + "{\"jsonrpc\":\"2.0\",\"method\":\"a\"}]");

        assertThat(body.messages()).hasSize(4);
    }

    @Test
    void notifications_and_responses_in_a_batch_may_share_an_id_space_with_requests() throws Exception {
        // Only requests are answered by id: a response (the client answering the server) with a request's id is
        // no collision, and notifications carry none.
        DecodedBody body = decode("""
                [{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":1,"result":{}},\
                {"jsonrpc":"2.0","method":"n"},{"jsonrpc":"2.0","method":"n"}]""");

        assertThat(body.messages())
                .extracting(JsonRpcMessage::kind)
                .containsExactly(
                        JsonRpcMessage.Kind.REQUEST,
                        JsonRpcMessage.Kind.RESPONSE,
                        JsonRpcMessage.Kind.NOTIFICATION,
                        JsonRpcMessage.Kind.NOTIFICATION);
    }

    @Test
    void ids_at_the_edges_of_what_every_peer_reads_exactly_are_accepted() throws Exception {
        assertThat(decode("{\"jsonrpc\":\"2.0\",\"id\":-9007199254740991,\"method\":\"a\"}")
                        .messages()
                        .get(0)
                        .id()
                        .asLong())
                .isEqualTo(-9007199254740991L);
        // A surrogate pair is one valid character, echoed back unchanged.
        assertThat(decode("{\"jsonrpc\":\"2.0\",\"id\":\"a\\ud83d\\ude00b\",\"method\":\"a\"}")
                        .messages()
                        .get(0)
                        .id()
                        .asText())
                .isEqualTo("a\ud83d\ude00b");
    }

    @Test
    void an_unknown_member_name_is_cut_to_64_characters_and_never_recorded() {
        String name64 = "m".repeat(64);
        assertThatThrownBy(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\",\"" + name64 + "\":1}"))
                .isInstanceOfSatisfying(JsonRpcException.class, e -> {
                    assertThat(e.getMessage()).contains("\"" + name64 + "\"");
                    assertThat(e.recordedReason())
                            .isEqualTo("unknown member in a JSON-RPC message")
                            .doesNotContain("mmm");
                    assertThat(e.id().asInt()).isEqualTo(1);
                });
        assertThatThrownBy(() -> decode("[{\"jsonrpc\":\"2.0\",\"method\":\"a\",\"" + name64 + "x\":1}]"))
                .isInstanceOfSatisfying(JsonRpcException.class, e -> {
                    assertThat(e.getMessage())
                            .isEqualTo("batch element 0: unknown member \"" + name64 + "…\" in a JSON-RPC message");
                    assertThat(e.recordedReason()).isEqualTo("batch element 0: unknown member in a JSON-RPC message");
                });
    }

    @Test
    void the_mapper_is_the_one_that_writes_the_canonical_form() throws Exception {
        DecodedBody body = decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\",\"params\":{\"f\":1.10}}");

        assertThat(decoder.mapper().writeValueAsString(body.messages().get(0).node()))
                .isEqualTo(new String(body.canonicalBytes(), StandardCharsets.UTF_8))
                .contains("1.10");
    }
}
