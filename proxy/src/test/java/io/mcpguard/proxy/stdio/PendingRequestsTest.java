package io.mcpguard.proxy.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PendingRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode request(Object id) throws Exception {
        return (ObjectNode) JSON.readTree(
                "{\"jsonrpc\":\"2.0\",\"id\":" + JSON.writeValueAsString(id) + ",\"method\":\"tools/list\"}");
    }

    private static ObjectNode answerTo(ObjectNode sent, String text) throws Exception {
        return (ObjectNode) JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":" + JSON.writeValueAsString(sent.get("id"))
                + ",\"result\":{\"text\":\"" + text + "\"}}");
    }

    @Test
    void two_clients_with_the_same_id_get_their_own_answers_back_under_their_own_id() throws Exception {
        PendingRequests pending = new PendingRequests(10);
        ObjectNode alice = request(1);
        ObjectNode bob = request(1);
        CompletableFuture<ObjectNode> aliceAnswer = pending.register(alice);
        CompletableFuture<ObjectNode> bobAnswer = pending.register(bob);

        assertThat(alice.get("id")).isNotEqualTo(bob.get("id"));
        // The child answers out of order.
        assertThat(pending.complete(answerTo(bob, "for bob"))).isTrue();
        assertThat(pending.complete(answerTo(alice, "for alice"))).isTrue();

        assertThat(aliceAnswer.join().toString())
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"text\":\"for alice\"}}");
        assertThat(bobAnswer.join().at("/result/text").asText()).isEqualTo("for bob");
        assertThat(pending.size()).isZero();
    }

    @Test
    void a_string_id_comes_back_as_the_same_string() throws Exception {
        PendingRequests pending = new PendingRequests(10);
        ObjectNode sent = request("abc-1");
        CompletableFuture<ObjectNode> answer = pending.register(sent);

        pending.complete(answerTo(sent, "x"));

        assertThat(answer.join().get("id").asText()).isEqualTo("abc-1");
        assertThat(answer.join().get("id").isTextual()).isTrue();
    }

    @Test
    void an_answer_to_nothing_or_answered_twice_goes_nowhere() throws Exception {
        PendingRequests pending = new PendingRequests(10);
        ObjectNode sent = request(5);
        pending.register(sent);

        assertThat(pending.complete(answerTo(sent, "first"))).isTrue();
        assertThat(pending.complete(answerTo(sent, "again"))).isFalse();
        assertThat(pending.complete((ObjectNode) JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}")))
                .as("a client's own id was never sent to the child")
                .isFalse();
    }

    @Test
    void beyond_the_bound_a_request_is_refused_and_a_given_up_one_frees_its_slot() throws Exception {
        PendingRequests pending = new PendingRequests(2);
        CompletableFuture<ObjectNode> first = pending.register(request(1));
        pending.register(request(2));

        assertThat(pending.register(request(3))).isNull();
        first.cancel(false);
        assertThat(pending.register(request(3))).isNotNull();
    }

    @Test
    void an_oversized_answer_fails_the_request_named_in_its_edges_only() throws Exception {
        PendingRequests pending = new PendingRequests(10);
        ObjectNode a = request(1);
        ObjectNode b = request(2);
        CompletableFuture<ObjectNode> aAnswer = pending.register(a);
        CompletableFuture<ObjectNode> bAnswer = pending.register(b);
        String edge = "\"x\"}]},\"jsonrpc\":\"2.0\",\"id\":" + b.get("id").toString() + "}";

        assertThat(pending.failMentionedIn(edge, new IllegalStateException("too large")))
                .isTrue();

        assertThat(bAnswer).isCompletedExceptionally();
        assertThat(aAnswer).isNotDone();
        assertThat(pending.failMentionedIn("{\"id\":\"mcpguard-999\"", new IllegalStateException()))
                .isFalse();
    }

    @Test
    void when_the_child_ends_every_waiting_request_fails() throws Exception {
        PendingRequests pending = new PendingRequests(10);
        CompletableFuture<ObjectNode> a = pending.register(request(1));
        CompletableFuture<ObjectNode> b = pending.register(request(2));

        pending.failAll(new StdioUnavailableException("gone"));

        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedExceptionally();
        assertThat(pending.size()).isZero();
    }
}
