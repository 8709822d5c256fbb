package io.mcpguard.proxy.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.mcpguard.proxy.transport.HttpAnswers;
import io.mcpguard.proxy.transport.RequestReadTimeoutHandler;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity stage: authenticates each request to the MCP endpoint on its headers alone, before any body is
 * read, so an unauthenticated client cannot make the proxy parse anything. Also serves the Protected Resource
 * Metadata (RFC 9728) and binds MCP sessions to the subjects that created them.
 *
 * <p>A verified request continues with its {@link Identity} on the channel ({@link #identityOf}); a refused one is
 * answered here (401 with a {@code WWW-Authenticate} challenge, 403 {@code insufficient_scope}, 404 for a session
 * that is not the caller's, 503 when the issuer's keys cannot be had) and its body discarded, or the connection
 * closed when a body was still coming.
 *
 * <p>When the issuer's keys must be fetched first, reading stops (auto-read off) and the request waits, holding
 * what already arrived, until the fetch completes; it then resumes on this channel's event loop. Nothing here
 * blocks.
 *
 * <p>On the way out, the {@code Mcp-Session-Id} of a successful answer binds that session to the request's
 * subject; a later request presenting it under another subject is refused and logged as {@code
 * security.session_hijack_attempt}.
 */
public final class AuthenticationHandler extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(AuthenticationHandler.class);
    private static final AttributeKey<Identity> IDENTITY = AttributeKey.valueOf("mcpguard.identity");
    private static final String SESSION_HEADER = "Mcp-Session-Id";

    private final Authenticator authenticator;
    private final HttpAnswers answers;
    private final String mcpPath;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private boolean waiting;
    private boolean discarding;
    private Identity exchangeIdentity;
    private HttpMethod exchangeMethod;
    private String exchangeSession;

    public AuthenticationHandler(Authenticator authenticator, HttpAnswers answers, String mcpPath) {
        this.authenticator = authenticator;
        this.answers = answers;
        this.mcpPath = mcpPath;
    }

    /** The identity of the request being handled on this channel; anonymous when authentication is off. */
    public static Identity identityOf(ChannelHandlerContext ctx) {
        Identity identity = ctx.channel().attr(IDENTITY).get();
        return identity == null ? Identity.ANONYMOUS : identity;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (waiting) {
            held.add(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            discarding = false;
            onRequest(ctx, request);
            return;
        }
        if (discarding && msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof LastHttpContent) {
                discarding = false;
                RequestReadTimeoutHandler.requestReceived(ctx);
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
        ctx.channel().attr(IDENTITY).set(null);
        exchangeIdentity = null;
        if (!request.decoderResult().isSuccess()) {
            ctx.fireChannelRead(request); // the endpoint answers 400/431
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.rawPath();
        // With authentication off there is no authorization server to point to: the metadata is not served.
        if (authenticator.required()
                && (path.equals(Challenges.WELL_KNOWN) || path.equals(Challenges.WELL_KNOWN + mcpPath))) {
            serveMetadata(ctx, request);
            return;
        }
        if (!path.equals(mcpPath)) {
            ctx.fireChannelRead(request); // health, or the endpoint's 404
            return;
        }
        if (!authenticator.required()) {
            pass(ctx, request, Identity.ANONYMOUS);
            return;
        }
        // A token in the URL ends up in access logs and browser history (OAuth 2.1 §5.1.2, MCP authorization).
        if (uri.parameters().containsKey("access_token")) {
            refuse(
                    ctx,
                    request,
                    new AuthenticationFailure(
                            AuthenticationFailure.Kind.INVALID_REQUEST,
                            "send the token in the Authorization header only"));
            return;
        }
        List<String> authorization = request.headers().getAll(HttpHeaderNames.AUTHORIZATION);
        if (authorization.size() > 1) {
            refuse(
                    ctx,
                    request,
                    new AuthenticationFailure(
                            AuthenticationFailure.Kind.INVALID_REQUEST, "send exactly one Authorization header"));
            return;
        }
        String credential = authorization.isEmpty() ? null : bearer(authorization.get(0));
        if (credential == null) {
            refuse(
                    ctx,
                    request,
                    new AuthenticationFailure(
                            AuthenticationFailure.Kind.MISSING, "a Bearer token or API key is required"));
            return;
        }
        CompletableFuture<Identity> verified = authenticator.authenticate(credential);
        if (verified.isDone()) {
            afterVerification(ctx, request, verified);
            return;
        }
        waiting = true;
        ctx.channel().config().setAutoRead(false);
        verified.whenCompleteAsync(
                (identity, failure) -> {
                    waiting = false;
                    if (!ctx.channel().isActive()) {
                        releaseHeld();
                        return;
                    }
                    ctx.channel().config().setAutoRead(true);
                    afterVerification(ctx, request, verified);
                    while (!waiting && !held.isEmpty()) {
                        channelRead(ctx, held.poll());
                    }
                },
                ctx.executor());
    }

    /** {@code Bearer <token>}: scheme case-insensitive (RFC 7235), token in the b64token alphabet (RFC 6750). */
    private static String bearer(String header) {
        String value = header.trim();
        if (value.length() < 8 || !value.substring(0, 7).equalsIgnoreCase("bearer ")) {
            return null;
        }
        String token = value.substring(7).trim();
        return token.matches("[A-Za-z0-9\\-._~+/]+=*") ? token : null;
    }

    private void afterVerification(
            ChannelHandlerContext ctx, HttpRequest request, CompletableFuture<Identity> verified) {
        Identity identity;
        try {
            identity = verified.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            refuse(
                    ctx,
                    request,
                    cause instanceof AuthenticationFailure failure
                            ? failure
                            : new AuthenticationFailure(
                                    AuthenticationFailure.Kind.INVALID_TOKEN, "the credential could not be verified"));
            return;
        }
        Set<String> missing = new TreeSet<>(authenticator.scopes().base());
        missing.removeAll(identity.scopes());
        if (!missing.isEmpty()) {
            Refusal refusal = new Refusal(
                    null, ErrorCode.INSUFFICIENT_SCOPE, "the credential lacks a required scope: " + missing, null);
            String challenge = authenticator
                    .challenges()
                    .insufficientScope(authenticator.scopes().base(), "a required scope is missing");
            answer(ctx, request, refusal, challenge);
            return;
        }
        String session = request.headers().get(SESSION_HEADER);
        if (session != null) {
            SessionBindings.Standing standing = authenticator.sessions().standing(session, identity.bindingKey());
            if (standing != SessionBindings.Standing.OWNED) {
                if (standing == SessionBindings.Standing.FOREIGN) {
                    log.atWarn()
                            .addKeyValue("event.name", "security.session_hijack_attempt")
                            .addKeyValue("enduser.id", identity.subject().id())
                            .addKeyValue("auth.method", identity.subject().authMethod())
                            .addKeyValue("session.id.sha256", SessionIds.fingerprint(session))
                            .addKeyValue("client.address", clientAddress(ctx))
                            .log("session presented by a subject that did not create it; refused");
                } else {
                    log.atInfo()
                            .addKeyValue("event.name", "security.session_unknown")
                            .addKeyValue("enduser.id", identity.subject().id())
                            .addKeyValue("session.id.sha256", SessionIds.fingerprint(session))
                            .log("session id not bound to any subject; refused");
                }
                Refusal refusal = new Refusal(
                        null, ErrorCode.SESSION_NOT_FOUND, "session not found; initialize a new session", null);
                answer(ctx, request, refusal, null);
                return;
            }
        }
        pass(ctx, request, identity);
    }

    private void pass(ChannelHandlerContext ctx, HttpRequest request, Identity identity) {
        ctx.channel().attr(IDENTITY).set(identity);
        exchangeIdentity = identity;
        exchangeMethod = request.method();
        exchangeSession = request.headers().get(SESSION_HEADER);
        ctx.fireChannelRead(request);
    }

    private void refuse(ChannelHandlerContext ctx, HttpRequest request, AuthenticationFailure failure) {
        AuthenticationFailure.Kind kind = failure.kind();
        log.atInfo()
                .addKeyValue("event.name", "security.authentication_failed")
                .addKeyValue("reason", failure.getMessage())
                .addKeyValue("client.address", clientAddress(ctx))
                .log("request refused: not authenticated");
        Refusal refusal = new Refusal(null, kind.code, describe(kind, failure.getMessage()), null);
        String challenge = kind == AuthenticationFailure.Kind.UNAVAILABLE
                ? null
                : authenticator.challenges().unauthorized(kind.oauthError, failure.getMessage());
        answer(ctx, request, refusal, challenge);
    }

    private static String describe(AuthenticationFailure.Kind kind, String description) {
        return switch (kind) {
            case MISSING -> "Authentication required: " + description;
            case INVALID_TOKEN -> "Invalid credential: " + description;
            case INVALID_REQUEST -> "Bad credential request: " + description;
            case UNAVAILABLE -> "Identity provider unavailable: " + description;
        };
    }

    /**
     * Answers a refused request. A request whose body has not fully arrived is answered with {@code Connection:
     * close} (its body is never read); one without a body keeps its connection.
     */
    private void answer(ChannelHandlerContext ctx, HttpRequest request, Refusal refusal, String challenge) {
        boolean complete = request instanceof LastHttpContent || !expectsBody(request.headers());
        boolean keepAlive = complete && HttpUtil.isKeepAlive(request);
        ReferenceCountUtil.release(request);
        if (complete) {
            RequestReadTimeoutHandler.requestReceived(ctx);
        } else {
            discarding = true;
            releaseHeld(); // the connection closes; what else arrived is never read
        }
        ObjectNode body = refusal.toJson();
        answers.challenge(ctx, refusal, body, challenge, keepAlive);
    }

    private static boolean expectsBody(HttpHeaders headers) {
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        return headers.containsValue(HttpHeaderNames.TRANSFER_ENCODING, "chunked", true)
                || (length != null && !length.trim().equals("0"));
    }

    private void serveMetadata(ChannelHandlerContext ctx, HttpRequest request) {
        boolean complete = request instanceof LastHttpContent || !expectsBody(request.headers());
        boolean keepAlive = complete && HttpUtil.isKeepAlive(request);
        HttpMethod method = request.method();
        ReferenceCountUtil.release(request);
        if (complete) {
            RequestReadTimeoutHandler.requestReceived(ctx);
        } else {
            discarding = true;
        }
        if (!HttpMethod.GET.equals(method)) {
            answers.text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "metadata is read with GET", keepAlive, "GET");
            return;
        }
        answers.json(ctx, HttpResponseStatus.OK, authenticator.challenges().metadata(), keepAlive);
    }

    /** Binds the session an answer creates to the subject of the request it answers. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response
                && exchangeIdentity != null
                && authenticator.required()
                && response.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.SUCCESS) {
            String created = response.headers().get(SESSION_HEADER);
            if (created != null && exchangeSession == null) {
                String other = authenticator.sessions().bind(created, exchangeIdentity.bindingKey());
                if (other != null) {
                    log.atError()
                            .addKeyValue("event.name", "security.session_collision")
                            .addKeyValue("session.id.sha256", SessionIds.fingerprint(created))
                            .log("the MCP server issued a session id that is bound to another subject");
                }
            }
            if (HttpMethod.DELETE.equals(exchangeMethod) && exchangeSession != null) {
                authenticator.sessions().end(exchangeSession, exchangeIdentity.bindingKey());
            }
        }
        ctx.write(msg, promise);
    }

    private static String clientAddress(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress peer
                ? peer.getAddress().getHostAddress()
                : String.valueOf(ctx.channel().remoteAddress());
    }

    private void releaseHeld() {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }
}
