package io.mcpguard.proxy.stdio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.config.Secret;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One Streamable HTTP request to the stdio children: a POST's requests go to the child (its {@code initialize}
 * answered from the child's handshake), and the answers come back as one JSON body once all are in — or, for a single
 * request whose progress the child reports, as an event stream of that progress ending with the answer ({@link
 * ProgressStream}); a POST with no request gets 202. GET (no server stream is offered) and DELETE (no session is held) get 405.
 * A child that cannot take the request now (restarting, at its bound, gone mid-request) is answered at once with the
 * proxy's upstream-unavailable error ({@code -32005}, HTTP 502) and the reason, never held; an answer longer than the
 * line bound gets the proxy's answer-too-large error ({@code -32011}). The answers are handed back on the connection's
 * event loop.
 */
@ChannelHandler.Sharable
final class BridgeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final int UNAVAILABLE = ErrorCode.UPSTREAM_UNAVAILABLE.code();
    private static final int TOO_LARGE = ErrorCode.ANSWER_TOO_LARGE.code();

    private final StdioSupervisor supervisor;
    private final ObjectMapper json;
    private final byte[] credential;

    BridgeHandler(StdioSupervisor supervisor, ObjectMapper json, Secret credential) {
        this.supervisor = supervisor;
        this.json = json;
        this.credential = credential.reveal().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
        if (!MessageDigest.isEqual(credential, auth.getBytes(StandardCharsets.UTF_8))) {
            answer(ctx, request, HttpResponseStatus.UNAUTHORIZED, null);
            return;
        }
        if (!HttpMethod.POST.equals(request.method())) {
            FullHttpResponse refused = response(HttpResponseStatus.METHOD_NOT_ALLOWED, null);
            refused.headers().set(HttpHeaderNames.ALLOW, "POST");
            write(ctx, request, refused);
            return;
        }
        JsonNode body;
        try {
            body = json.readTree(ByteBufUtil.getBytes(request.content()));
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !(body.isObject() || body.isArray())) {
            answer(ctx, request, HttpResponseStatus.BAD_REQUEST, null);
            return;
        }
        String subject = subject(request);
        if (supervisor.perSubject() && subject == null) {
            answer(ctx, request, HttpResponseStatus.BAD_REQUEST, null);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        JsonNode messages = body;
        List<CompletableFuture<ObjectNode>> inFlight = new CopyOnWriteArrayList<>();
        ProgressStream progress = new ProgressStream(ctx, keepAlive, json);
        CompletableFuture<byte[]> answered =
                supervisor.session(subject).thenCompose(session -> exchange(session, messages, inFlight, progress));
        // The proxy gave up (its client left, its deadline passed): the child is told to stop those requests.
        ChannelFutureListener gone = f -> inFlight.forEach(a -> a.cancel(false));
        ctx.channel().closeFuture().addListener(gone);
        answered.whenCompleteAsync(
                (bytes, failure) -> {
                    ctx.channel().closeFuture().removeListener(gone);
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    if (progress.started()) {
                        // The answer is a stream already: its status is said, so what ends it is its last event.
                        if (cause instanceof StdioUnavailableException unavailable) {
                            progress.finish(unavailable(messages, unavailable));
                        } else if (failure != null || bytes == null) {
                            progress.abandon();
                            ctx.close();
                        } else {
                            progress.finish(bytes);
                        }
                    } else if (cause instanceof StdioUnavailableException unavailable) {
                        // The proxy's upstream-unavailable error, with the reason in the proxy's own words.
                        write(
                                ctx,
                                keepAlive,
                                response(HttpResponseStatus.BAD_GATEWAY, unavailable(messages, unavailable)));
                    } else if (failure != null) {
                        ctx.close(); // read by the proxy as "the MCP server is unreachable"
                    } else if (bytes == null) {
                        write(ctx, keepAlive, response(HttpResponseStatus.ACCEPTED, null));
                    } else {
                        write(ctx, keepAlive, response(HttpResponseStatus.OK, bytes));
                    }
                },
                ctx.executor());
    }

    /** Sends each message on and collects the answers: the JSON body of the reply, or null when nothing answers. */
    private CompletableFuture<byte[]> exchange(
            StdioSession session, JsonNode body, List<CompletableFuture<ObjectNode>> answers, ProgressStream progress) {
        for (JsonNode message : body.isArray() ? body : List.of(body)) {
            if (!(message instanceof ObjectNode object) || !object.hasNonNull("method")) {
                continue; // a client's answer to a server request: the proxy relays none, so none is awaited
            }
            String method = object.get("method").asText();
            boolean request = object.hasNonNull("id");
            if (request && "initialize".equals(method)) {
                answers.add(CompletableFuture.completedFuture(initializeAnswer(session, object)));
            } else if (request) {
                ObjectNode sent = object.deepCopy();
                // Progress goes to a single request's client; a batch's answer stays one JSON body.
                String token = body.isArray() ? null : session.watchProgress(sent, progress::progress);
                CompletableFuture<ObjectNode> answer = session.send(sent);
                answer.whenComplete((done, failure) -> session.unwatchProgress(token));
                answers.add(answer);
            } else if (!"notifications/initialized".equals(method) && !"notifications/cancelled".equals(method)) {
                // The child was initialized by the proxy, once; a client's cancellation names its own id, which
                // the child never saw (a client that leaves cancels through its connection's end instead).
                session.notify(object);
            }
        }
        if (answers.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<byte[]> all = CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .thenApply(done -> {
                    try {
                        if (!body.isArray()) {
                            return json.writeValueAsBytes(answers.get(0).join());
                        }
                        ArrayNode array = json.createArrayNode();
                        answers.forEach(a -> array.add(a.join()));
                        return json.writeValueAsBytes(array);
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                });
        // A failed or cancelled hop takes its waiting requests with it.
        all.whenComplete((bytes, failure) -> {
            if (failure != null) {
                answers.forEach(a -> a.cancel(false));
            }
        });
        return all.exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            if (cause instanceof StdioSession.AnswerTooLargeException tooLarge) {
                return CompletableFuture.completedFuture(tooLarge(body, answers, tooLarge));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /**
     * An answer longer than the child's line bound fails closed: that request gets the proxy's "answer too large"
     * error (its code {@code -32011}), the batch's other answers come through as they are.
     */
    private byte[] tooLarge(JsonNode body, List<CompletableFuture<ObjectNode>> answers, RuntimeException why) {
        ArrayNode array = json.createArrayNode();
        int i = 0;
        for (JsonNode message : body.isArray() ? body : List.of(body)) {
            if (!(message instanceof ObjectNode object) || !object.hasNonNull("method") || !object.hasNonNull("id")) {
                continue;
            }
            CompletableFuture<ObjectNode> answer = answers.get(i++);
            if (answer.isDone() && !answer.isCompletedExceptionally()) {
                array.add(answer.join());
            } else {
                ObjectNode error = json.createObjectNode().put("jsonrpc", "2.0");
                error.set("id", object.get("id"));
                error.putObject("error").put("code", TOO_LARGE).put("message", why.getMessage());
                array.add(error);
            }
        }
        try {
            return json.writeValueAsBytes(body.isArray() ? array : array.get(0));
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    /** One upstream-unavailable error ({@code -32005}) per request of the body, or one for the body. */
    private byte[] unavailable(JsonNode body, StdioUnavailableException why) {
        ArrayNode array = json.createArrayNode();
        for (JsonNode message : body.isArray() ? body : List.of(body)) {
            if (message instanceof ObjectNode object && object.hasNonNull("method") && object.hasNonNull("id")) {
                ObjectNode error = json.createObjectNode().put("jsonrpc", "2.0");
                error.set("id", object.get("id"));
                error.putObject("error").put("code", UNAVAILABLE).put("message", why.getMessage());
                array.add(error);
            }
        }
        if (array.isEmpty()) {
            ObjectNode error = json.createObjectNode().put("jsonrpc", "2.0").putNull("id");
            error.putObject("error").put("code", UNAVAILABLE).put("message", why.getMessage());
            array.add(error);
        }
        try {
            return json.writeValueAsBytes(body.isArray() ? array : array.get(0));
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    private ObjectNode initializeAnswer(StdioSession session, ObjectNode request) {
        ObjectNode answer = json.createObjectNode().put("jsonrpc", "2.0");
        answer.set("id", request.get("id"));
        answer.set("result", session.initializeResult().deepCopy());
        return answer;
    }

    private static String subject(FullHttpRequest request) {
        String encoded = request.headers().get(StdioBridge.SUBJECT_HEADER);
        if (encoded == null || encoded.isEmpty()) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static FullHttpResponse response(HttpResponseStatus status, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, status, body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        if (body != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body == null ? 0 : body.length);
        return response;
    }

    private static void answer(
            ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, byte[] body) {
        write(ctx, request, response(status, body));
    }

    private static void write(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        write(ctx, HttpUtil.isKeepAlive(request), response);
    }

    private static void write(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
