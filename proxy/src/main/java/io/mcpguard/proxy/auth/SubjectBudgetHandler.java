package io.mcpguard.proxy.auth;

import io.mcpguard.proxy.budget.BudgetKeys;
import io.mcpguard.proxy.budget.ConcurrencyBudget;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;

/**
 * Holds each request to the MCP endpoint within its subject's budgets, on headers alone, before the body is read:
 * at most {@code budgets.per-subject.in-flight} requests served at once, and at most {@code
 * budgets.per-subject.streams} of the server's event streams (GET, or a 2026-07-28 {@code subscriptions/listen}) open —
 * each stream holds one of the upstream's
 * connections for as long as the client likes, and without this bound any authenticated subject could hold them
 * all. A request over either is answered 429 ({@code -32013}) and never reaches the policy or the server.
 *
 * <p>What a request takes is given back when its answer's last part is written, or when the connection closes;
 * the connection serves one request at a time, so one request's share is all this stage holds.
 */
public final class SubjectBudgetHandler extends HeaderStage {
    private final ConcurrencyBudget inFlight;
    private final ConcurrencyBudget streams;
    private final HttpAnswers answers;
    private ConcurrencyBudget.Permit request;
    private ConcurrencyBudget.Permit stream;

    public SubjectBudgetHandler(ConcurrencyBudget inFlight, ConcurrencyBudget streams, HttpAnswers answers) {
        this.inFlight = inFlight;
        this.streams = streams;
        this.answers = answers;
    }

    @Override
    void read(ChannelHandlerContext ctx, Object msg) {
        Identity identity = msg instanceof HttpRequest ? AuthenticationHandler.verifiedIdentityOf(ctx) : null;
        if (identity == null) { // not to the MCP endpoint, or not a request head
            ctx.fireChannelRead(msg);
            return;
        }
        HttpRequest head = (HttpRequest) msg;
        String key = BudgetKeys.of(identity.subject(), clientAddress(ctx));
        giveBack(); // an earlier request on this connection is over by now
        request = inFlight.tryAcquire(key);
        if (request == null) {
            refuse(ctx, head, inFlight);
            return;
        }
        // A GET opens the server's stream; so does a 2026-07-28 subscriptions/listen, which must name itself in
        // Mcp-Method (the decode stage refuses one that does not, or whose body says otherwise).
        if (HttpMethod.GET.equals(head.method())
                || "subscriptions/listen".equals(head.headers().get("Mcp-Method"))) {
            stream = streams.tryAcquire(key);
            if (stream == null) {
                giveBack();
                refuse(ctx, head, streams);
                return;
            }
        }
        ctx.fireChannelRead(head);
    }

    private void refuse(ChannelHandlerContext ctx, HttpRequest head, ConcurrencyBudget budget) {
        String reason = "too many " + budget.budget().description() + " (at most " + budget.perKey() + ")";
        ExchangeLog.of(ctx.channel())
                .refused(Outcome.OVER_BUDGET, ErrorCode.BUSY.httpStatus().code(), ErrorCode.BUSY, reason);
        boolean keepAlive = endRequest(ctx, head);
        answers.busy(ctx, new Refusal(null, ErrorCode.BUSY, reason + "; retry later", null), keepAlive);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean answerEnds = msg instanceof LastHttpContent
                && !(msg instanceof FullHttpResponse response
                        && response.status().codeClass() == HttpStatusClass.INFORMATIONAL);
        ctx.write(msg, promise);
        if (answerEnds) {
            giveBack();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        giveBack();
        super.channelInactive(ctx);
    }

    private void giveBack() {
        if (stream != null) {
            stream.release();
            stream = null;
        }
        if (request != null) {
            request.release();
            request = null;
        }
    }

    private static String clientAddress(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress address && address.getAddress() != null
                ? address.getAddress().getHostAddress()
                : String.valueOf(ctx.channel().remoteAddress());
    }
}
