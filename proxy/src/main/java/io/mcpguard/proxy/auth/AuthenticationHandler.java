package io.mcpguard.proxy.auth;

import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
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
 * read, so an unauthenticated client cannot make the proxy parse anything.
 *
 * <p>A verified request continues with its {@link Identity} on the channel ({@link #identityOf}); a refused one is
 * answered here — 401 with a {@code WWW-Authenticate} challenge, 400 for a token in the URL or two {@code
 * Authorization} headers, 403 {@code insufficient_scope} when a scope every request needs is missing, 503 when
 * the issuer's keys cannot be had.
 *
 * <p>When the issuer's keys must be fetched first, reading stops (auto-read off) and the request waits, holding
 * what already arrived, until the fetch completes; it then resumes on this channel's event loop. Nothing here
 * blocks.
 */
public final class AuthenticationHandler extends HeaderStage {
    private static final Logger log = LoggerFactory.getLogger(AuthenticationHandler.class);
    private static final AttributeKey<Identity> IDENTITY = AttributeKey.valueOf("mcpguard.identity");

    private final Authenticator authenticator;
    private final HttpAnswers answers;
    private final String mcpPath;
    private final ClientCertificates clientCertificates;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private boolean waiting;

    public AuthenticationHandler(Authenticator authenticator, HttpAnswers answers, String mcpPath) {
        this(authenticator, answers, mcpPath, null);
    }

    /**
     * @param clientCertificates who a verified client certificate identifies (mTLS), or null when the listener
     *     takes none; a request with an {@code Authorization} header is authenticated by that header alone
     */
    public AuthenticationHandler(
            Authenticator authenticator, HttpAnswers answers, String mcpPath, ClientCertificates clientCertificates) {
        this.authenticator = authenticator;
        this.answers = answers;
        this.mcpPath = mcpPath;
        this.clientCertificates = clientCertificates;
    }

    /** The policy's view of each request: the subject this stage verified (anonymous when authentication is off). */
    public static final SubjectResolver VERIFIED_SUBJECTS =
            (ctx, request) -> identityOf(ctx).subject();

    public static Identity identityOf(ChannelHandlerContext ctx) {
        Identity identity = ctx.channel().attr(IDENTITY).get();
        return identity == null ? Identity.ANONYMOUS : identity;
    }

    /** The identity authentication verified for the request in flight, or null (not authenticated, or off). */
    static Identity verifiedIdentityOf(ChannelHandlerContext ctx) {
        return ctx.channel().attr(IDENTITY).get();
    }

    @Override
    void read(ChannelHandlerContext ctx, Object msg) {
        if (waiting) {
            held.add(msg);
        } else if (msg instanceof HttpRequest request) {
            onRequest(ctx, request);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
        ctx.channel().attr(IDENTITY).set(null);
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        // A request the codec could not read is the endpoint's to answer (400/431); other paths are health or 404.
        if (!request.decoderResult().isSuccess() || !uri.rawPath().equals(mcpPath)) {
            ctx.fireChannelRead(request);
            return;
        }
        if (!authenticator.required()) {
            ctx.channel().attr(IDENTITY).set(Identity.ANONYMOUS);
            ExchangeLog.of(ctx.channel()).subject(Identity.ANONYMOUS.subject());
            ctx.fireChannelRead(request);
            return;
        }
        // A token in the URL ends up in access logs and browser history (OAuth 2.1 §5.1.2, MCP authorization).
        if (uri.parameters().containsKey("access_token")) {
            refuse(
                    ctx,
                    request,
                    failure(
                            AuthenticationFailure.Kind.INVALID_REQUEST,
                            "send the token in the Authorization header only"));
            return;
        }
        List<String> authorization = request.headers().getAll(HttpHeaderNames.AUTHORIZATION);
        if (authorization.size() > 1) {
            refuse(
                    ctx,
                    request,
                    failure(AuthenticationFailure.Kind.INVALID_REQUEST, "send exactly one Authorization header"));
            return;
        }
        if (authorization.isEmpty() && clientCertificates != null) {
            Identity certified = clientCertificates.identify(ctx);
            if (certified != null) {
                afterVerification(ctx, request, CompletableFuture.completedFuture(certified));
                return;
            }
        }
        String credential = authorization.isEmpty() ? null : bearer(authorization.get(0));
        if (credential == null) {
            refuse(ctx, request, failure(AuthenticationFailure.Kind.MISSING, "a Bearer token or API key is required"));
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
            refuse(
                    ctx,
                    request,
                    e.getCause() instanceof AuthenticationFailure failure
                            ? failure
                            : failure(
                                    AuthenticationFailure.Kind.INVALID_TOKEN, "the credential could not be verified"));
            return;
        }
        Set<String> missing = new TreeSet<>(authenticator.scopes().base());
        missing.removeAll(identity.scopes());
        ExchangeLog exchangeLog = ExchangeLog.of(ctx.channel()).subject(identity.subject());
        if (!missing.isEmpty()) {
            exchangeLog.scopesNeeded(missing);
            exchangeLog.refused(
                    Outcome.INSUFFICIENT_SCOPE,
                    ErrorCode.INSUFFICIENT_SCOPE.httpStatus().code(),
                    ErrorCode.INSUFFICIENT_SCOPE,
                    "a scope every request needs is missing");
            Refusal refusal = new Refusal(
                    null,
                    ErrorCode.INSUFFICIENT_SCOPE,
                    "Insufficient scope: this request needs "
                            + String.join(" ", authenticator.scopes().base()),
                    null);
            String challenge = authenticator
                    .challenges()
                    .insufficientScope(authenticator.scopes().base(), "a required scope is missing");
            answer(ctx, request, refusal, challenge);
            return;
        }
        ctx.channel().attr(IDENTITY).set(identity);
        ctx.fireChannelRead(request);
    }

    private void refuse(ChannelHandlerContext ctx, HttpRequest request, AuthenticationFailure failure) {
        AuthenticationFailure.Kind kind = failure.kind();
        log.atInfo()
                .addKeyValue("event.name", "security.authentication_failed")
                .addKeyValue("reason", failure.getMessage())
                .addKeyValue("client.address", clientAddress(ctx))
                .log("request refused: not authenticated");
        // The failure's description is one of our fixed texts, never a part of the credential.
        ExchangeLog.of(ctx.channel())
                .refused(
                        kind == AuthenticationFailure.Kind.UNAVAILABLE
                                ? Outcome.IDENTITY_UNAVAILABLE
                                : Outcome.UNAUTHENTICATED,
                        kind.code.httpStatus().code(),
                        kind.code,
                        failure.getMessage());
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

    private void answer(ChannelHandlerContext ctx, HttpRequest request, Refusal refusal, String challenge) {
        boolean keepAlive = endRequest(ctx, request);
        if (!keepAlive) {
            releaseHeld(); // the connection closes after the answer; what else arrived is never read
        }
        answers.challenge(ctx, refusal.code(), refusal.toJson(), challenge, keepAlive);
    }

    private static AuthenticationFailure failure(AuthenticationFailure.Kind kind, String description) {
        return new AuthenticationFailure(kind, description);
    }

    static String clientAddress(ChannelHandlerContext ctx) {
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
