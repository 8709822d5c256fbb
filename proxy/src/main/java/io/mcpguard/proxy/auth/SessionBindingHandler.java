package io.mcpguard.proxy.auth;

import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.ProtocolEra;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds every MCP session to the subject that created it (MCP security best practices, "Session hijacking":
 * session ids are not authentication, bind them to the user). Runs after authentication, on headers alone.
 *
 * <p>On the way out, the {@code Mcp-Session-Id} of a successful answer to a request without one binds that new
 * session to the request's subject; a successful DELETE by its owner ends it. On the way in, a request presenting
 * a session that is not its subject's — another subject's, unknown, expired or evicted — is answered 404 (what
 * MCP clients read as "start a new session"), the same answer in every case so a prober learns nothing; another
 * subject's is logged at WARN as {@code security.session_hijack_attempt}. Session ids are logged as hashes only.
 */
public final class SessionBindingHandler extends HeaderStage {
    private static final Logger log = LoggerFactory.getLogger(SessionBindingHandler.class);
    private static final String SESSION_HEADER = "Mcp-Session-Id";

    private final SessionBindings sessions;
    private final HttpAnswers answers;
    private Identity exchangeIdentity;
    private HttpMethod exchangeMethod;
    private String exchangeSession;

    public SessionBindingHandler(Authenticator authenticator, HttpAnswers answers) {
        this.sessions = authenticator.sessions();
        this.answers = answers;
    }

    @Override
    void read(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        Identity identity = AuthenticationHandler.verifiedIdentityOf(ctx);
        // Only authenticated requests to the MCP endpoint have a subject to bind to.
        exchangeIdentity = identity == null || !identity.subject().authenticated() ? null : identity;
        if (ProtocolEra.modernHeader(request.headers().get("MCP-Protocol-Version"))) {
            // MCP 2026-07-28 has no sessions: a presented id is ignored, not checked, and none is bound. The decoder
            // removes it before forwarding whenever this header names the modern era, so no id skips this check and
            // still reaches the server.
            exchangeIdentity = null;
            exchangeSession = null;
            ctx.fireChannelRead(request);
            return;
        }
        exchangeMethod = request.method();
        exchangeSession = request.headers().get(SESSION_HEADER);
        if (exchangeIdentity == null || exchangeSession == null) {
            ctx.fireChannelRead(request);
            return;
        }
        SessionBindings.Standing standing = sessions.standing(exchangeSession, identity.bindingKey());
        if (standing == SessionBindings.Standing.OWNED) {
            ctx.fireChannelRead(request);
            return;
        }
        // The audit trail raises security.session_hijack_attempt for another subject's session.
        boolean foreign = standing == SessionBindings.Standing.FOREIGN;
        ExchangeLog exchangeLog = ExchangeLog.of(ctx.channel());
        exchangeLog.sessionRefused(foreign, SessionIds.fingerprint(exchangeSession));
        exchangeLog.refused(
                Outcome.SESSION_REFUSED,
                ErrorCode.SESSION_NOT_FOUND.httpStatus().code(),
                ErrorCode.SESSION_NOT_FOUND,
                foreign ? "the session belongs to another subject" : "the session is unknown or expired");
        exchangeIdentity = null;
        boolean keepAlive = endRequest(ctx, request);
        Refusal refusal =
                new Refusal(null, ErrorCode.SESSION_NOT_FOUND, "session not found; initialize a new session", null);
        answers.reject(ctx, refusal, keepAlive);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response
                && exchangeIdentity != null
                && response.status().codeClass() == HttpStatusClass.SUCCESS) {
            String created = response.headers().get(SESSION_HEADER);
            if (created != null && exchangeSession == null) {
                if (sessions.bind(created, exchangeIdentity.bindingKey()) != null) {
                    log.atError()
                            .addKeyValue("event.name", "security.session_collision")
                            .addKeyValue("session.id.sha256", SessionIds.fingerprint(created))
                            .log("the MCP server issued a session id that is bound to another subject");
                }
            }
            if (HttpMethod.DELETE.equals(exchangeMethod) && exchangeSession != null) {
                sessions.end(exchangeSession, exchangeIdentity.bindingKey());
            }
        }
        ctx.write(msg, promise);
    }
}
