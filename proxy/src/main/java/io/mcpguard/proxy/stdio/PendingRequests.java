package io.mcpguard.proxy.stdio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests one child has not answered yet, under ids the proxy gave them. Clients of a shared child choose their
 * ids freely and would collide (two clients both send id 1), and an answer routed by the client's id could reach the
 * wrong client; so every request goes to the child under a fresh id of the proxy's, and the answer carrying that id
 * is given back to the one request that owns it, with the client's own id restored. Bounded: beyond {@code
 * maxPending} a request is refused. Thread-safe.
 */
final class PendingRequests {
    /** Ours alone: a child echoes it back, and it is easy to find in an oversized line. */
    private static final String PREFIX = "mcpguard-";

    private record Pending(JsonNode clientId, CompletableFuture<ObjectNode> answer) {}

    private final Map<String, Pending> byId = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong();
    private final int maxPending;

    PendingRequests(int maxPending) {
        this.maxPending = maxPending;
    }

    /**
     * Gives {@code request} a proxy id (changing it in place) and returns the future of its answer, or null when
     * {@code maxPending} requests are already waiting. The answer carries the client's id again.
     */
    CompletableFuture<ObjectNode> register(ObjectNode request) {
        if (byId.size() >= maxPending) {
            return null;
        }
        String id = PREFIX + next.incrementAndGet();
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        byId.put(id, new Pending(request.get("id"), answer));
        request.put("id", id);
        // A caller that gives up (its client left, its deadline passed) frees the slot.
        answer.whenComplete((done, failure) -> byId.remove(id));
        return answer;
    }

    /** The proxy id {@code request} was sent under, for a cancellation. */
    static String proxyIdOf(ObjectNode sentRequest) {
        return sentRequest.path("id").asText();
    }

    /**
     * Hands a child's response to the request it answers, with the client's id restored. False when no waiting
     * request has its id: an answer to nothing (or to a request already given up), which goes nowhere.
     */
    boolean complete(ObjectNode response) {
        JsonNode id = response.get("id");
        if (id == null || !id.isTextual()) {
            return false;
        }
        Pending pending = byId.remove(id.asText());
        if (pending == null) {
            return false;
        }
        response.set("id", pending.clientId() == null ? TextNode.valueOf("") : pending.clientId());
        return pending.answer().complete(response);
    }

    /**
     * Fails the waiting request whose proxy id appears in {@code text} (the edges of an answer too long to read),
     * so it ends with an error instead of waiting out its deadline. True when one was found.
     */
    boolean failMentionedIn(String text, Throwable failure) {
        if (text == null) {
            return false;
        }
        int at = text.indexOf('"' + PREFIX);
        while (at >= 0) {
            int end = text.indexOf('"', at + 1);
            if (end < 0) {
                return false;
            }
            Pending pending = byId.remove(text.substring(at + 1, end));
            if (pending != null) {
                pending.answer().completeExceptionally(failure);
                return true;
            }
            at = text.indexOf('"' + PREFIX, end + 1);
        }
        return false;
    }

    /** Fails every waiting request: the child is gone. */
    void failAll(Throwable failure) {
        List<Pending> all = new ArrayList<>(byId.values());
        byId.clear();
        all.forEach(p -> p.answer().completeExceptionally(failure));
    }

    int size() {
        return byId.size();
    }
}
