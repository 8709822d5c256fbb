package io.mcpguard.proxy.stdio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP session the proxy holds with one child. The proxy is the child's only client: it initializes the child once
 * (a stdio server expects exactly one {@code initialize}) and answers each HTTP client's own {@code initialize} with
 * the child's result; it sends requests under its own ids ({@link PendingRequests}) and gives each answer to the
 * request that owns it. Progress for a request goes to that request's client, under the proxy's own progress
 * token on the way in. What else the child sends unasked cannot be tied to one client of a shared child, so it goes
 * to none: other notifications are dropped, and requests the child makes are answered by the proxy ({@code ping}) or
 * refused.
 */
final class StdioSession {
    private static final Logger log = LoggerFactory.getLogger(StdioSession.class);
    /** The revision the proxy asks for; the child answers with the one it speaks, which clients then see. */
    static final String PROTOCOL_VERSION = "2025-11-25";

    private final ObjectMapper json;
    private final PendingRequests pending;
    private final String label;
    private final CompletableFuture<JsonNode> initialized = new CompletableFuture<>();
    /** Progress the child reports, by the proxy's token, to the one request that asked for it. */
    private final java.util.Map<String, java.util.function.Consumer<ObjectNode>> progress =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.AtomicLong nextProgress = new java.util.concurrent.atomic.AtomicLong();
    private volatile ChildProcess child;
    private volatile long lastUsedNanos = System.nanoTime();
    private volatile long readyAtNanos;

    StdioSession(ObjectMapper json, int maxPending, String label) {
        this.json = json;
        this.pending = new PendingRequests(maxPending);
        this.label = label;
    }

    void attach(ChildProcess child) {
        this.child = child;
    }

    ChildProcess child() {
        return child;
    }

    String label() {
        return label;
    }

    /** Sends the proxy's own {@code initialize}; completes with the child's result, or fails after {@code timeout}. */
    CompletableFuture<JsonNode> initialize(long timeoutMillis, String version) {
        ObjectNode request = json.createObjectNode();
        request.put("jsonrpc", "2.0").put("id", 0).put("method", "initialize");
        ObjectNode params = request.putObject("params");
        params.put("protocolVersion", PROTOCOL_VERSION);
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "mcpguard").put("version", version);
        CompletableFuture<ObjectNode> answer = send(request);
        answer.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS).whenComplete((response, failure) -> {
            if (failure != null || response.get("result") == null) {
                initialized.completeExceptionally(
                        new StdioUnavailableException("the stdio MCP server did not initialize"));
                return;
            }
            ObjectNode done = json.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/initialized");
            sendLine(done);
            readyAtNanos = System.nanoTime();
            initialized.complete(response.get("result"));
        });
        return initialized;
    }

    CompletableFuture<JsonNode> initialized() {
        return initialized;
    }

    /** The child's {@code initialize} result, for a client's own {@code initialize}. */
    JsonNode initializeResult() {
        return initialized.getNow(null);
    }

    /**
     * Sends a request under a proxy id and returns its answer with the client's id restored. Fails with {@link
     * StdioUnavailableException} when the child is gone or too many requests wait. Cancelling the future (the
     * client left) tells the child to stop working on it.
     */
    CompletableFuture<ObjectNode> send(ObjectNode request) {
        lastUsedNanos = System.nanoTime();
        CompletableFuture<ObjectNode> answer = pending.register(request);
        if (answer == null) {
            return CompletableFuture.failedFuture(
                    new StdioUnavailableException("too many requests are waiting for the stdio MCP server"));
        }
        String proxyId = PendingRequests.proxyIdOf(request);
        answer.whenComplete((done, failure) -> {
            if (failure instanceof java.util.concurrent.CancellationException) {
                ObjectNode cancel =
                        json.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/cancelled");
                cancel.putObject("params").put("requestId", proxyId).put("reason", "the client went away");
                sendLine(cancel);
            }
        });
        if (!sendLine(request)) {
            answer.completeExceptionally(new StdioUnavailableException("the stdio MCP server does not take input"));
        }
        return answer;
    }

    /**
     * Gives the {@code _meta.progressToken} of {@code request} (about to be sent) a token of the proxy's own, in place,
     * and hands each progress notification the child sends for it to {@code listener} with the client's token back:
     * clients of a shared child choose their tokens freely, so a token of the client's could name another's request.
     * Returns the proxy's token, to stop watching with; null when the request asks for no progress.
     */
    String watchProgress(ObjectNode request, java.util.function.Consumer<ObjectNode> listener) {
        if (!(request.path("params").path("_meta") instanceof ObjectNode meta) || !meta.hasNonNull("progressToken")) {
            return null;
        }
        JsonNode clientToken = meta.get("progressToken");
        String token = "mcpguard-progress-" + nextProgress.incrementAndGet();
        meta.put("progressToken", token);
        progress.put(token, notification -> {
            ((ObjectNode) notification.get("params")).set("progressToken", clientToken);
            listener.accept(notification);
        });
        return token;
    }

    /** Progress for {@code token} goes to no one from now on. */
    void unwatchProgress(String token) {
        if (token != null) {
            progress.remove(token);
        }
    }

    /** A client's notification, passed on as it is. */
    void notify(ObjectNode notification) {
        lastUsedNanos = System.nanoTime();
        sendLine(notification);
    }

    private boolean sendLine(ObjectNode message) {
        ChildProcess target = child;
        try {
            return target != null && target.send(json.writeValueAsString(message));
        } catch (IOException e) {
            return false;
        }
    }

    /** One line of the child's stdout, on its reader thread. */
    void onLine(LineFramer.Frame frame) {
        if (frame.oversized()) {
            boolean failed = pending.failMentionedIn(frame.head(), new AnswerTooLargeException())
                    || pending.failMentionedIn(frame.tail(), new AnswerTooLargeException());
            log.atWarn()
                    .addKeyValue("event.name", "stdio.line_too_long")
                    .addKeyValue("stdio.child", label)
                    .addKeyValue("stdio.line_bytes", frame.length())
                    .addKeyValue("stdio.request_failed", failed)
                    .log("a message of the stdio MCP server is longer than the proxy reads; dropped");
            return;
        }
        if (frame.text().isBlank()) {
            return;
        }
        JsonNode message;
        try {
            message = json.readTree(frame.text());
        } catch (IOException e) {
            message = null;
        }
        if (!(message instanceof ObjectNode object)) {
            // Not one JSON-RPC message (a stray print, a batch): nothing on stdout may reach a client unparsed.
            log.atWarn()
                    .addKeyValue("event.name", "stdio.not_json_rpc")
                    .addKeyValue("stdio.child", label)
                    .addKeyValue("stdio.line_bytes", frame.length())
                    .log("the stdio MCP server wrote a line that is no JSON-RPC message; dropped");
            return;
        }
        JsonNode method = object.get("method");
        if (method == null) {
            if (!pending.complete(object)) {
                log.atWarn()
                        .addKeyValue("event.name", "stdio.unmatched_answer")
                        .addKeyValue("stdio.child", label)
                        .log("the stdio MCP server answered no waiting request; dropped");
            }
        } else if (object.hasNonNull("id")) {
            answerServerRequest(object);
        } else if (progressOf(object) != null) {
            progressOf(object).accept(object);
        } else {
            log.atDebug()
                    .addKeyValue("event.name", "stdio.notification_dropped")
                    .addKeyValue("stdio.child", label)
                    .addKeyValue("mcp.method.name", method.asText())
                    .log("a notification of the stdio MCP server goes to no client");
        }
    }

    /** Who watches a {@code notifications/progress} of the child's, or null: it goes to no one. */
    private java.util.function.Consumer<ObjectNode> progressOf(ObjectNode notification) {
        JsonNode token = notification.path("params").get("progressToken");
        return "notifications/progress".equals(notification.path("method").asText())
                        && notification.get("params") instanceof ObjectNode
                        && token != null
                        && token.isTextual()
                ? progress.get(token.asText())
                : null;
    }

    /**
     * A request of the child's own (sampling, elicitation, roots): the proxy declared none of those capabilities and
     * cannot tell which client of a shared child it is meant for, so it is refused; {@code ping} is answered.
     */
    private void answerServerRequest(ObjectNode request) {
        ObjectNode answer = json.createObjectNode().put("jsonrpc", "2.0");
        answer.set("id", request.get("id"));
        if ("ping".equals(request.path("method").asText())) {
            answer.putObject("result");
        } else {
            answer.putObject("error").put("code", -32601).put("message", "the proxy relays no server requests");
        }
        sendLine(answer);
    }

    /** The child ended: every waiting request fails now instead of waiting out its deadline. */
    void ended() {
        StdioUnavailableException gone = new StdioUnavailableException("the stdio MCP server ended");
        initialized.completeExceptionally(gone);
        pending.failAll(gone);
    }

    boolean idleLongerThan(long nanos) {
        return pending.size() == 0 && System.nanoTime() - lastUsedNanos > nanos;
    }

    /** How long the child has been up since it initialized, 0 if it never did. */
    long upNanos() {
        return readyAtNanos == 0 ? 0 : System.nanoTime() - readyAtNanos;
    }

    /** The child's answer exceeded {@code upstream.stdio.max-line-bytes}; the request fails closed. */
    static final class AnswerTooLargeException extends RuntimeException {
        AnswerTooLargeException() {
            super("the MCP server's answer is larger than the proxy may inspect", null, false, false);
        }
    }
}
