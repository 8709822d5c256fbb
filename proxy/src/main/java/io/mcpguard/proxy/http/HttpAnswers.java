package io.mcpguard.proxy.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The one place where the proxy's own answers (errors, health) become HTTP responses. */
public final class HttpAnswers {
    /** Every answer is marked so no browser guesses another type for it (a JSON error rendered as HTML). */
    private static final String X_CONTENT_TYPE_OPTIONS = "X-Content-Type-Options";

    private static final String NOSNIFF = "nosniff";
    private final ObjectMapper mapper;

    public HttpAnswers(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * Answers refusals of a decoded body. One refusal with an id rides on HTTP 200 like any JSON-RPC error; a batch
     * is answered with an array of the refusals that have ids; with no id to answer, the HTTP status of the first
     * refusal carries the error (a notification cannot receive a JSON-RPC response).
     */
    public ChannelFuture refuse(ChannelHandlerContext ctx, List<Refusal> refusals, boolean batch, boolean keepAlive) {
        List<Refusal> answerable = refusals.stream().filter(r -> r.id() != null).toList();
        if (answerable.isEmpty()) {
            Refusal first = refusals.get(0);
            FullHttpResponse response = jsonResponse(first.code().httpStatus(), first.toJson());
            if (first.data() != null && first.data().has("retry_after_ms")) {
                long millis = first.data().get("retry_after_ms").asLong();
                response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString((millis + 999) / 1000));
            }
            return send(ctx, response, keepAlive);
        }
        if (!batch) {
            return json(ctx, HttpResponseStatus.OK, answerable.get(0).toJson(), keepAlive);
        }
        ArrayNode array = mapper.createArrayNode();
        answerable.forEach(r -> array.add(r.toJson()));
        return json(ctx, HttpResponseStatus.OK, array, keepAlive);
    }

    /** The JSON-RPC body {@link #refuse} would send: one error, or an array of those with ids. */
    public JsonNode refusalBody(List<Refusal> refusals, boolean batch) {
        List<Refusal> answerable = refusals.stream().filter(r -> r.id() != null).toList();
        if (answerable.isEmpty() || !batch) {
            return (answerable.isEmpty() ? refusals.get(0) : answerable.get(0)).toJson();
        }
        ArrayNode array = mapper.createArrayNode();
        answerable.forEach(r -> array.add(r.toJson()));
        return array;
    }

    /** Answers a message the proxy could not accept at all: the status says so, the body says why. */
    public ChannelFuture reject(ChannelHandlerContext ctx, Refusal refusal, boolean keepAlive) {
        return json(ctx, refusal.code().httpStatus(), refusal.toJson(), keepAlive);
    }

    /** A refusal for a budget held in full: its status (429) with {@code Retry-After: 1}. */
    public ChannelFuture busy(ChannelHandlerContext ctx, Refusal refusal, boolean keepAlive) {
        FullHttpResponse response = jsonResponse(refusal.code().httpStatus(), refusal.toJson());
        response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        return send(ctx, response, keepAlive);
    }

    public ChannelFuture json(ChannelHandlerContext ctx, HttpResponseStatus status, JsonNode body, boolean keepAlive) {
        return send(ctx, jsonResponse(status, body), keepAlive);
    }

    /**
     * Answers an authentication or authorization failure: the error code's own status (401, 403, …) even when it has
     * an id, because OAuth clients act on the status and the {@code WWW-Authenticate} challenge (RFC 6750 §3).
     */
    public ChannelFuture challenge(
            ChannelHandlerContext ctx, ErrorCode code, JsonNode body, String wwwAuthenticate, boolean keepAlive) {
        FullHttpResponse response = jsonResponse(code.httpStatus(), body);
        if (wwwAuthenticate != null) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, wwwAuthenticate);
        }
        return send(ctx, response, keepAlive);
    }

    /** A refusal as a complete response the caller writes itself (with {@code Connection: close}). */
    public FullHttpResponse closingResponse(Refusal refusal) {
        FullHttpResponse response = jsonResponse(refusal.code().httpStatus(), refusal.toJson());
        HttpUtil.setKeepAlive(response, false);
        return response;
    }

    private FullHttpResponse jsonResponse(HttpResponseStatus status, JsonNode body) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            bytes = "{}".getBytes(StandardCharsets.UTF_8);
        }
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return response;
    }

    /** A plain-text answer for what is not JSON-RPC (unknown path, wrong method). */
    public ChannelFuture text(
            ChannelHandlerContext ctx, HttpResponseStatus status, String text, boolean keepAlive, String allow) {
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (allow != null) {
            response.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        return send(ctx, response, keepAlive);
    }

    private static ChannelFuture send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setKeepAlive(response, keepAlive);
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        return written;
    }
}
